// CronJobs as kubectl prints them: `get cronjobs` (printCronJob), `-o json|yaml` (batch/v1 CronJob) and
// `describe cronjob` (describeCronJob, describeJobTemplate, printActiveJobs, DescribeEvents).
import type { CronJob, CronJobEvent, CronJobStatus, Job, JobEvent } from '../../client';
import { PrefixWriter, describeEvents, describePodTemplate, printAnnotations, printLabels } from './describe';
import type { KubeObject } from './kube-object';
import { TABLE_TABWRITER, tabwrite } from './tabwriter';
import { timeSince } from './tables';
import { kubeTime, parseTime, rfc1123z } from './time';

export type CronJobWithStatus = CronJob & { status: CronJobStatus };

export interface CronJobTableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  now: number;
}

/** printers.go printCronJob; wide adds CONTAINERS, IMAGES and SELECTOR (a template selector is never set). */
export function cronJobsTable(items: readonly CronJobWithStatus[], o: CronJobTableOptions): string {
  if (items.length === 0) return '';
  const header = ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'];
  if (o.wide) header.push('CONTAINERS', 'IMAGES', 'SELECTOR');
  if (o.allNamespaces) header.unshift('NAMESPACE');
  const rows = items.map((c) => {
    const row = [
      c.metadata.name,
      c.spec.schedule,
      c.spec.timeZone ?? '<none>',
      c.spec.suspend ? 'True' : 'False',
      String(c.status.active?.length ?? 0),
      c.status.lastScheduleTime ? timeSince(c.status.lastScheduleTime, o.now) : '<none>',
      timeSince(c.metadata.creationTimestamp, o.now),
    ];
    if (o.wide) {
      const containers = c.spec.jobTemplate.spec.template?.spec?.containers ?? [];
      row.push(containers.map((x) => x.name ?? '').join(','), containers.map((x) => x.image ?? '').join(','), '<none>');
    }
    if (o.allNamespaces) row.unshift(c.metadata.namespace);
    return row.join('\t');
  });
  return tabwrite(`${[header.join('\t'), ...rows].join('\n')}\n`, TABLE_TABWRITER);
}

function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The batch/v1 CronJob object `kubectl get cronjob -o yaml` prints. */
export function toKubeCronJob(c: CronJobWithStatus): KubeObject {
  const m = c.metadata;
  const nonEmpty = (x: Record<string, string> | undefined) => (x && Object.keys(x).length > 0 ? x : undefined);
  return clean({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      annotations: nonEmpty(m.annotations),
      creationTimestamp: kubeTime(m.creationTimestamp),
      labels: nonEmpty(m.labels),
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
    },
    spec: {
      concurrencyPolicy: c.spec.concurrencyPolicy,
      failedJobsHistoryLimit: c.spec.failedJobsHistoryLimit,
      jobTemplate: { metadata: c.spec.jobTemplate.metadata ?? {}, spec: c.spec.jobTemplate.spec },
      schedule: c.spec.schedule,
      startingDeadlineSeconds: c.spec.startingDeadlineSeconds,
      successfulJobsHistoryLimit: c.spec.successfulJobsHistoryLimit,
      suspend: c.spec.suspend,
      timeZone: c.spec.timeZone,
    },
    status: {
      active: c.status.active,
      lastScheduleTime: kubeTime(c.status.lastScheduleTime),
      lastSuccessfulTime: kubeTime(c.status.lastSuccessfulTime),
    },
  }) as KubeObject;
}

/** Events as describe folds them (count 1 each: a CronJob's events are one per run and Job). */
function asJobEvents(events: readonly CronJobEvent[]): JobEvent[] {
  return events.map((e) => ({ type: e.type, reason: e.reason, message: e.message, firstTimestamp: e.at, lastTimestamp: e.at, count: 1 }));
}

/**
 * `kubectl describe cronjob NAME`. `templateJob` is a Job made from the template (the pod template typed and
 * defaulted); its job-name labels, which only a real Job has, are not shown.
 */
export function describeCronJob(c: CronJobWithStatus, templateJob: Job, events: readonly CronJobEvent[], now: number): string {
  const w = new PrefixWriter();
  const s = c.spec;
  const jobSpec = s.jobTemplate.spec;
  w.write(0, `Name:\t${c.metadata.name}\n`);
  w.write(0, `Namespace:\t${c.metadata.namespace}\n`);
  printLabels(w, 'Labels', c.metadata.labels);
  printAnnotations(w, 'Annotations', c.metadata.annotations);
  w.write(0, `Schedule:\t${s.schedule}\n`);
  if (s.timeZone !== undefined) w.write(0, `Time Zone:\t${s.timeZone}\n`);
  w.write(0, `Concurrency Policy:\t${s.concurrencyPolicy}\n`);
  w.write(0, `Suspend:\t${s.suspend ? 'True' : 'False'}\n`);
  w.write(0, `Successful Job History Limit:\t${s.successfulJobsHistoryLimit}\n`);
  w.write(0, `Failed Job History Limit:\t${s.failedJobsHistoryLimit}\n`);
  w.write(0, s.startingDeadlineSeconds !== undefined ? `Starting Deadline Seconds:\t${s.startingDeadlineSeconds}s\n` : 'Starting Deadline Seconds:\t<unset>\n');
  w.write(0, 'Selector:\t<unset>\n');
  w.write(0, jobSpec.parallelism !== undefined ? `Parallelism:\t${jobSpec.parallelism}\n` : 'Parallelism:\t<unset>\n');
  w.write(0, jobSpec.completions !== undefined ? `Completions:\t${jobSpec.completions}\n` : 'Completions:\t<unset>\n');
  if (jobSpec.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${jobSpec.activeDeadlineSeconds}s\n`);
  const template = templateJob.spec.template;
  const labels = { ...template.metadata?.labels };
  for (const k of ['batch.kubernetes.io/job-name', 'job-name', 'batch.kubernetes.io/controller-uid', 'controller-uid']) delete labels[k];
  describePodTemplate(w, { ...template, metadata: { ...template.metadata, labels } });
  const last = parseTime(c.status.lastScheduleTime);
  w.write(0, last !== undefined ? `Last Schedule Time:\t${rfc1123z(last)}\n` : 'Last Schedule Time:\t<unset>\n');
  const active = c.status.active ?? [];
  w.write(0, `Active Jobs:\t${active.length > 0 ? active.map((r) => r.name).join(', ') : '<none>'}\n`);
  describeEvents(w, asJobEvents(events), now, 'cronjob-controller');
  return w.result();
}
