// The end of a finished or deleted Job: its execution is removed after ttlSecondsAfterFinished (7.1),
// or at once after a delete.
import { finishedCondition } from '../api/conditions';
import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { Job } from '../api/types';
import type { JobState } from '../controller';
import { JOB_REMOVAL_WORKFLOW_TYPE, jobRemovalWorkflowId, type JobRemovalInput } from './messages';

/** 7.1: the terminal condition's time plus ttlSecondsAfterFinished. */
export function ttlExpiry(job: Job, state: JobState): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined) return undefined;
  const terminal = finishedCondition(state);
  return terminal ? Date.parse(terminal.lastTransitionTime) + ttl * 1000 : undefined;
}

/**
 * The removal runs in a workflow of its own that outlives this one (ABANDON), so this history closes now
 * rather than staying open for the TTL, and the timer fires whichever worker is alive then.
 */
export async function scheduleRemoval(removeAt: number, uid: string | undefined): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  // The uid lets the removal check it deletes this Job and no other (src/activities/remove-job.ts).
  const input: JobRemovalInput = uid ? { workflowId, runId, removeAt, uid } : { workflowId, runId, removeAt };
  await startChild(JOB_REMOVAL_WORKFLOW_TYPE, {
    workflowId: jobRemovalWorkflowId(workflowId, runId),
    args: [input],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `remove ${workflowId} at ${new Date(removeAt).toISOString()}`,
  });
}
