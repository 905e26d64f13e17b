// CronJob history limits (JOB-SEMANTICS 7.3 step 12): the CronJob's finished Jobs beyond
// successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted, oldest first. A finished Job is a closed
// `job` workflow; deleting it removes its execution, as `jobctl delete job` does. Runs on any worker with
// the activity's own client.
import { jobResultOf } from '../workflows/job-ending';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { Job } from '../api/types';
import { jobsBeyondHistory, type FinishedJob } from '../cronjob/history';
import { removeJobExecution } from './remove-job';

/** Same shape as CronJobHistoryInput in src/workflows/cronjob-run.ts (activities may not import workflow code). */
export interface TrimCronJobHistoryInput {
  namespace: string;
  cronJob: string;
  cronJobUid: string;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  justFinished?: FinishedJob & { runId: string };
}

// Restated from src/workflows/search-attributes.ts and src/client/stored.ts for the same reason.
const JOB_PHASE = defineSearchAttributeKey('JobPhase', 'KEYWORD');
const MEMO_JOB = 'job';
/** src/workflows/removal.ts jobRemovalClaim: a workflow whose id claims one Job run's removal. */
const JOB_REMOVAL_CLAIM_WORKFLOW_TYPE = 'jobRemovalClaim';

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function ownedBy(job: unknown, input: TrimCronJobHistoryInput): boolean {
  const refs = (job as Partial<Job> | undefined)?.metadata?.ownerReferences ?? [];
  return refs.some((r) => r.kind === 'CronJob' && r.name === input.cronJob && r.uid === input.cronJobUid);
}

async function outcomeOf(wf: WorkflowExecutionInfo): Promise<FinishedJob['outcome'] | undefined> {
  const phase = wf.typedSearchAttributes.get(JOB_PHASE);
  if (phase === 'Complete' || phase === 'Failed') return phase;
  if (phase === 'Terminating') return undefined;
  if (wf.status.name !== 'COMPLETED' && wf.status.name !== 'FAILED') return 'Failed';
  // No search attributes on this server: the Job's result says how it ended (a Failed Job's is in its failure).
  const result = await jobResultOf(Context.current().client.workflow.getHandle(wf.workflowId, wf.runId).result()).catch(() => undefined);
  if (!result) return 'Failed';
  if (result.deleted) return undefined;
  return result.job?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? 'Complete' : 'Failed';
}

/** Deletes the CronJob's finished Jobs beyond its history limits; returns their names, oldest first. */
export async function trimCronJobHistory(input: TrimCronJobHistoryInput): Promise<string[]> {
  const { client } = Context.current();
  // Every Job the CronJob owns counts, scheduled or made with `create job --from` (CJ cleanupFinishedJobs).
  const prefix = `job/${input.namespace}/`;
  const query = `WorkflowType = 'job' AND WorkflowId STARTS_WITH ${quote(prefix)} AND ExecutionStatus != 'Running'`;
  const finished = new Map<string, FinishedJob & { runId: string; uid?: string }>();
  for await (const wf of client.workflow.list({ query })) {
    const name = wf.workflowId.slice(`job/${input.namespace}/`.length);
    if (!ownedBy(wf.memo?.[MEMO_JOB], input)) continue;
    const outcome = await outcomeOf(wf);
    const uid = (wf.memo?.[MEMO_JOB] as Partial<Job> | undefined)?.metadata?.uid;
    if (outcome) finished.set(name, { name, outcome, startTime: wf.startTime.getTime(), runId: wf.runId, ...(uid ? { uid } : {}) });
  }
  const just = input.justFinished;
  if (just && !finished.has(just.name)) finished.set(just.name, just);
  const doomed = jobsBeyondHistory([...finished.values()], input);
  const deleted: string[] = [];
  const { taskQueue } = Context.current().info;
  for (const name of doomed) {
    const runId = finished.get(name)?.runId ?? '';
    const workflowId = `job/${input.namespace}/${name}`;
    // Runs of one CronJob trim concurrently (Allow) and see the same finished Jobs. A claim workflow with
    // the Job run's removal id decides: only the run that starts it deletes that Job and reports it (the
    // Job's own delete and TTL use the same id, so a Job already on its way out is left to them).
    try {
      await client.workflow.start(JOB_REMOVAL_CLAIM_WORKFLOW_TYPE, {
        workflowId: `remove/${workflowId}/${runId}`,
        taskQueue,
        args: [],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `history limit of CronJob ${input.namespace}/${input.cronJob}: remove ${workflowId}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      continue;
    }
    // Only that run, and only while it is still this CronJob's Job (its uid as listed).
    const uid = finished.get(name)?.uid;
    await removeJobExecution(uid ? { workflowId, runId, uid } : { workflowId, runId });
    deleted.push(name);
  }
  return deleted;
}
