// Removes a finished Job's workflow execution from Temporal: what `kubectl delete` and the TTL
// controller do to a Job object. Runs on any worker; it needs only the activity's own client.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isGrpcServiceError } from '@temporalio/client';

/** Same shape as JobRemovalInput in src/workflows/messages.ts (activities may not import workflow code). */
export interface RemoveJobInput {
  workflowId: string;
  runId: string;
}

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

function unimplemented(err: unknown): never {
  throw ApplicationFailure.nonRetryable(
    `this Temporal server cannot delete workflow executions: ${err instanceof Error ? err.message : String(err)}`,
    'UnimplementedError',
  );
}
const POLL_MS = 500;

export async function removeJobExecution(input: RemoveJobInput): Promise<'removed' | 'gone'> {
  const ctx = Context.current();
  const { client } = ctx;
  const execution = { workflowId: input.workflowId, runId: input.runId };
  // The Job's workflow is finishing its last task when it starts the removal; deleting a running
  // execution would terminate it, so wait until it has closed.
  for (;;) {
    try {
      const d = await client.workflowService.describeWorkflowExecution({ namespace: client.options.namespace, execution });
      const status = d.workflowExecutionInfo?.status;
      // 1 = RUNNING in temporal.api.enums.v1.WorkflowExecutionStatus.
      if (status !== 1) break;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === NOT_FOUND) return 'gone';
      throw err;
    }
    ctx.heartbeat();
    await ctx.sleep(POLL_MS);
  }
  try {
    await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: execution });
    return 'removed';
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === NOT_FOUND) return 'gone';
    if (isGrpcServiceError(err) && err.code === UNIMPLEMENTED) unimplemented(err);
    throw err;
  }
}
