// The runs of one Job's workflow, first to last, following continue-as-new: how many there were and
// what each run's history holds.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { History } from '../fixtures/history-json';

const EventType = temporal.api.enums.v1.EventType;

export interface Run {
  runId: string;
  history: History;
  /** EVENT_TYPE_ names, in order. */
  types: string[];
}

export async function runChain(client: Client, workflowId: string, firstRunId: string): Promise<Run[]> {
  const runs: Run[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: NonNullable<History['events']> = history.events ?? [];
    runs.push({ runId, history, types: events.map((e) => String(EventType[e.eventType ?? 0])) });
    const last: (typeof events)[number] | undefined = events[events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    if (runs.length > 1000) throw new Error('more than 1000 runs');
  }
  return runs;
}

export function countOf(types: readonly string[], type: string): number {
  return types.filter((t) => t === `EVENT_TYPE_${type}`).length;
}

/** Pod runs whose activity ended in the run that started them: none is left behind by the boundary. */
export function endedActivities(types: readonly string[]): number {
  return countOf(types, 'ACTIVITY_TASK_COMPLETED') + countOf(types, 'ACTIVITY_TASK_FAILED') + countOf(types, 'ACTIVITY_TASK_CANCELED') + countOf(types, 'ACTIVITY_TASK_TIMED_OUT');
}
