// A Job is one workflow id across a chain of runs (continue-as-new). Removing the Job removes every run:
// closed runs left behind would still show in listings and in the Web UI.
import { isGrpcServiceError, type WorkflowService } from '@temporalio/client';

const NOT_FOUND = 5;

interface FirstEvent {
  history?: { events?: Array<{ workflowExecutionStartedEventAttributes?: { continuedExecutionRunId?: string | null } | null }> | null } | null;
}

/** The run and the runs it continued from, newest first: each run's first event names the run before it. */
export async function runsOfChain(service: WorkflowService, namespace: string, workflowId: string, lastRunId: string, onStep?: () => void): Promise<string[]> {
  const runs: string[] = [];
  for (let runId: string | undefined = lastRunId; runId && !runs.includes(runId); ) {
    runs.push(runId);
    try {
      const res: FirstEvent = await service.getWorkflowExecutionHistory({ namespace, execution: { workflowId, runId }, maximumPageSize: 1 });
      runId = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === NOT_FOUND) break;
      throw err;
    }
    onStep?.();
  }
  return runs;
}
