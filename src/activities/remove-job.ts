// Removes a finished Job's workflow execution from Temporal: what `kubectl delete` and the TTL
// controller do to a Job object. Runs on any worker; it needs only the activity's own client.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isGrpcServiceError, type WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { runsOfChain } from '../client/chain';

/** The execution to remove (JobRemovalInput in src/workflows/messages.ts; activities may not import workflow code). */
export interface RemoveJobInput {
  workflowId: string;
  runId: string;
  /** When given, the Job's metadata.uid as the memo records it must be this. */
  uid?: string;
  /** When given, the Job must be a child of this run (a CronJob run removing the Job it started). */
  startedBy?: { workflowId: string; runId: string };
}

// Restated from src/workflows/messages.ts (JOB_WORKFLOW_TYPE) and src/client/stored.ts (MEMO_JOB).
const JOB_WORKFLOW_TYPE = 'job';
const MEMO_JOB = 'job';

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

function isNotFound(err: unknown): boolean {
  // The client's describe() turns NOT_FOUND into its own error type.
  return err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === NOT_FOUND);
}

function unimplemented(err: unknown): never {
  throw ApplicationFailure.nonRetryable(
    `this Temporal server cannot delete workflow executions: ${err instanceof Error ? err.message : String(err)}`,
    'UnimplementedError',
  );
}
const POLL_MS = 500;

/** Refuses to remove an execution that is not the Job the removal was made for. */
function checkIdentity(input: RemoveJobInput, d: WorkflowExecutionDescription): void {
  const notTheJob = (why: string): never => {
    throw ApplicationFailure.nonRetryable(`not removing ${input.workflowId} run ${input.runId}: ${why}`, 'NotTheJob');
  };
  if (d.runId !== input.runId) notTheJob(`the server described run ${d.runId}`);
  if (d.type !== JOB_WORKFLOW_TYPE) notTheJob(`it is a ${JSON.stringify(d.type)} workflow, not a Job`);
  const by = input.startedBy;
  if (by && (d.parentExecution?.workflowId !== by.workflowId || d.parentExecution?.runId !== by.runId))
    notTheJob(`it was not started by ${by.workflowId} run ${by.runId}`);
  if (input.uid !== undefined) {
    const job = d.memo?.[MEMO_JOB] as { metadata?: { uid?: unknown } } | undefined;
    const uid = job?.metadata?.uid;
    if (uid !== input.uid) notTheJob(`its Job's uid is ${JSON.stringify(uid)}, not ${JSON.stringify(input.uid)}`);
  }
}

export async function removeJobExecution(input: RemoveJobInput): Promise<'removed' | 'gone'> {
  const ctx = Context.current();
  const { client } = ctx;
  // Only that exact run: a new Job that reuses the name has another run id and is never touched.
  const handle = client.workflow.getHandle(input.workflowId, input.runId);
  for (;;) {
    let d: WorkflowExecutionDescription;
    try {
      d = await handle.describe();
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      throw err;
    }
    checkIdentity(input, d);
    // The Job's workflow is finishing its last task when it starts the removal; deleting a running
    // execution would terminate it, so wait until it has closed.
    if (d.status.name !== 'RUNNING') break;
    ctx.heartbeat();
    await ctx.sleep(POLL_MS);
  }
  // A Job that continued as new left closed runs behind: they go with it, so that neither listings nor
  // the Web UI show a Job that no longer exists. The final run first: it is what makes the Job gone.
  const runs = await runsOfChain(client.workflowService, client.options.namespace, input.workflowId, input.runId, () => ctx.heartbeat());
  let removed = false;
  for (const runId of runs) {
    try {
      await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId: input.workflowId, runId } });
      removed = true;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === NOT_FOUND) continue;
      if (isGrpcServiceError(err) && err.code === UNIMPLEMENTED) unimplemented(err);
      throw err;
    }
    ctx.heartbeat();
  }
  return removed ? 'removed' : 'gone';
}
