// Removes a finished Job's execution once its ttlSecondsAfterFinished has passed (or at once after a
// delete). It is a workflow of its own, started by the Job as an abandoned child just before the Job's
// workflow ends, so the Job's history closes when the Job finishes instead of staying open for the TTL,
// and the timer still fires when the worker that ran the Job is long gone.
//
// Anyone with Temporal access can start a `jobRemoval` by hand with any input, so the input is not
// trusted: the execution removed is the parent that started this workflow (which the server records and
// no one can forge) or a Job that parent started (the server records that too), and the activity checks
// that it is a Job (and the Job's uid, when the input carries one) before it deletes anything.
import { ApplicationFailure, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import { jobRemovalWorkflowId, type JobRemovalInput } from './messages';

interface RemovalActivities {
  removeJobExecution(input: { workflowId: string; runId: string; uid?: string; startedBy?: { workflowId: string; runId: string } }): Promise<'removed' | 'gone'>;
}

const { removeJobExecution } = proxyActivities<RemovalActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  // A server without deleteWorkflowExecution (the time-skipping test server) will not grow one by
  // retrying, and an execution that is not the Job will not become it.
  retry: { nonRetryableErrorTypes: ['UnimplementedError', 'NotTheJob'], maximumInterval: '1 minute' },
});

/** Type of the failure when the removal was not started by the Job it names. */
export const NOT_JOB_REMOVAL = 'NotJobRemoval';

function refuse(reason: string): never {
  throw ApplicationFailure.nonRetryable(`jobRemoval refused: ${reason}; it removes only the Job execution that started it`, NOT_JOB_REMOVAL);
}

/**
 * The execution this removal may remove: its parent (the Job removing itself after its TTL or a delete),
 * or a Job its parent started (a CronJob run replacing its Job), which the activity checks against the
 * Job's recorded parent before it deletes anything.
 */
export function removalTarget(input: unknown): { workflowId: string; runId: string; uid?: string; removeAt: number; startedBy?: { workflowId: string; runId: string } } {
  const { parent, workflowId } = workflowInfo();
  if (!parent) refuse('it was not started by a Job (it has no parent workflow)');
  const i = (typeof input === 'object' && input !== null ? input : {}) as Partial<Record<keyof JobRemovalInput, unknown>>;
  if (typeof i.workflowId !== 'string' || typeof i.runId !== 'string') refuse('its input names no workflow run');
  const self = i.workflowId === parent.workflowId && i.runId === parent.runId;
  if (workflowId !== jobRemovalWorkflowId(i.workflowId, i.runId))
    refuse(`its workflow id ${JSON.stringify(workflowId)} is not ${JSON.stringify(jobRemovalWorkflowId(i.workflowId, i.runId))}`);
  if (typeof i.removeAt !== 'number' || !Number.isFinite(i.removeAt)) refuse('removeAt is not a time');
  if (i.uid !== undefined && typeof i.uid !== 'string') refuse('uid is not a string');
  return {
    workflowId: i.workflowId,
    runId: i.runId,
    removeAt: i.removeAt,
    ...(i.uid !== undefined ? { uid: i.uid } : {}),
    ...(self ? {} : { startedBy: { workflowId: parent.workflowId, runId: parent.runId } }),
  };
}

export async function jobRemoval(input: JobRemovalInput): Promise<'removed' | 'gone'> {
  const target = removalTarget(input);
  const wait = target.removeAt - Date.now();
  if (wait > 0) await sleep(wait, { summary: `ttlSecondsAfterFinished: remove ${target.workflowId}` });
  const { removeAt: _at, ...identity } = target;
  return removeJobExecution(identity);
}

/**
 * Claims the removal of one finished Job run for someone who removes it itself (a CronJob's history
 * limit): its workflow id is the Job run's removal id (jobRemovalWorkflowId), which the server lets start
 * only once, so concurrent claimants, and the Job's own delete or TTL, never remove or report it twice.
 * It removes nothing, so starting it by hand can do no harm.
 */
export async function jobRemovalClaim(): Promise<void> {
  // The id is the claim; nothing to do.
}
