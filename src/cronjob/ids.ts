// Names a CronJob gives to the things Temporal keeps for it. Pure strings: the workflow, the activities
// and the client all derive them the same way.

/** One Temporal Schedule per CronJob: Kubernetes' namespace/name is the identity. */
export function cronJobScheduleId(namespace: string, name: string): string {
  return `cronjob/${namespace}/${name}`;
}

export function parseCronJobScheduleId(id: string): { namespace: string; name: string } | undefined {
  const m = /^cronjob\/([^/]+)\/([^/]+)$/.exec(id);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

/**
 * The schedule's action starts `cronJobRun` with this workflow id, and Temporal appends
 * `-<scheduled time, RFC 3339 to the second>` to it for each run.
 */
export function cronJobRunWorkflowIdBase(namespace: string, name: string): string {
  return `cronjob/${namespace}/${name}`;
}

/** The scheduled (nominal) time Temporal put at the end of a run's workflow id, in epoch ms. */
export function scheduledTimeOfRun(workflowId: string): number | undefined {
  const m = /-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))$/.exec(workflowId);
  if (!m) return undefined;
  const t = Date.parse(m[1]);
  return Number.isNaN(t) ? undefined : t;
}

/** Kubernetes' `getJobName`: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function cronJobJobName(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** Whether `jobName` has the shape of a Job the CronJob scheduled. */
export function isScheduledJobName(cronJobName: string, jobName: string): boolean {
  return jobName.startsWith(`${cronJobName}-`) && /^\d+$/.test(jobName.slice(cronJobName.length + 1));
}
