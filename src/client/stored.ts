// What the server itself knows about a Job, without a worker: the Job as it was created (memo, or the
// workflow's start input for Jobs created before the memo existed) and the workflow's own status.
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import type { Job, JobCondition, JobStatus } from '../api/types';
import type { JobInput, JobWithStatus } from '../workflows/messages';

export const MEMO_JOB = 'job';

function isJob(v: unknown): v is Job {
  const j = v as Partial<Job> | undefined;
  return typeof j === 'object' && j !== null && j.kind === 'Job' && typeof j.metadata?.name === 'string' && typeof j.spec === 'object';
}

/** The Job as created, from the memo or else the first history event. */
export async function storedJob(client: Client, info: WorkflowExecutionInfo | WorkflowExecutionDescription): Promise<Job> {
  const fromMemo = info.memo?.[MEMO_JOB];
  if (isJob(fromMemo)) return fromMemo;
  const res = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: info.workflowId, runId: info.runId },
    maximumPageSize: 1,
  });
  const payloads = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  // Through the client's codec: with one configured, the input is encrypted.
  const input = payloads?.length ? await decodeFromPayloadsAtIndex<JobInput>(client.options.loadedDataConverter, 0, payloads) : undefined;
  if (!input || !isJob(input.job)) throw new Error(`workflow ${info.workflowId} has no Job in its start input`);
  return input.job;
}

export function emptyStatus(): JobStatus {
  return { active: 0, ready: 0, terminating: 0, succeeded: 0, failed: 0, conditions: [] };
}

/**
 * A Job whose workflow ended without a result (cancelled with Ctrl-C in `jobctl run`, terminated, timed
 * out, or failed in the workflow itself) shows as Failed, with the workflow's ending as the reason.
 */
export function endedWithoutResult(job: Job, info: WorkflowExecutionInfo | WorkflowExecutionDescription): JobWithStatus {
  const how = info.status.name;
  const reason = how === 'CANCELLED' ? 'WorkflowCancelled' : how === 'TERMINATED' ? 'WorkflowTerminated' : how === 'TIMED_OUT' ? 'WorkflowTimedOut' : 'WorkflowFailed';
  const at = (info.closeTime ?? new Date()).toISOString();
  const message = `The Job's workflow ended ${how.toLowerCase().replace('_', ' ')} before the Job finished`;
  const conditions: JobCondition[] = [
    { type: 'Failed', status: 'True', reason, message, lastProbeTime: at, lastTransitionTime: at },
  ];
  return { ...job, status: { ...emptyStatus(), conditions } };
}

/** A running Job that no worker answers for: its spec, and no status we can vouch for. */
export function withoutLiveStatus(job: Job): JobWithStatus {
  return { ...job, status: emptyStatus() };
}
