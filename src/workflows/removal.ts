// Removes a finished Job's execution once its ttlSecondsAfterFinished has passed (or at once after a
// delete). It is a workflow of its own, started by the Job as an abandoned child just before the Job's
// workflow ends, so the Job's history closes when the Job finishes instead of staying open for the TTL,
// and the timer still fires when the worker that ran the Job is long gone.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { JobRemovalInput } from './messages';

interface RemovalActivities {
  removeJobExecution(input: { workflowId: string; runId: string }): Promise<'removed' | 'gone'>;
}

const { removeJobExecution } = proxyActivities<RemovalActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  // A server without deleteWorkflowExecution (the time-skipping test server) will not grow one by retrying.
  retry: { nonRetryableErrorTypes: ['UnimplementedError'], maximumInterval: '1 minute' },
});

export async function jobRemoval(input: JobRemovalInput): Promise<'removed' | 'gone'> {
  const wait = input.removeAt - Date.now();
  if (wait > 0) await sleep(wait, { summary: `ttlSecondsAfterFinished: remove ${input.workflowId}` });
  return removeJobExecution({ workflowId: input.workflowId, runId: input.runId });
}
