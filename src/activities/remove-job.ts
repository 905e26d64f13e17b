// Removes a finished Job's workflow execution from Temporal: what `kubectl delete` and the TTL
// controller do to a Job object. Runs on any worker; it needs only the activity's own client.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isGrpcServiceError } from '@temporalio/client';
import { runsOfChain } from '../client/chain';

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
