// Keeps the time-skipping test server skipping time after Jobs are deleted, terminated or removed by
// their TTL.
//
// The server (Temporal's Java test server) skips time only while its time lock count is zero. It takes
// one lock per outstanding workflow task, per scheduled activity and per child being started, and
// releases it when the task, activity or start closes; a waiting client (`result()`) releases the
// environment's own lock. Some of these are never released (sdk-java v1.31.0, TestWorkflowMutableStateImpl):
// - a workflow that closes while an activity or a workflow task is outstanding (a terminated Job with
//   running pods): the late completion is refused ("Completed workflow") and its lock stays taken;
// - a child that completes or fails after its parent has closed takes a lock "unlocked by the parent",
//   which the closed parent never does: every Job's removal (delete, ttlSecondsAfterFinished) is such a
//   child, abandoned by the Job that started it.
// One stray lock stops time skipping for the rest of the environment: later Jobs' backoffs and deadlines
// then take real time. This ledger reads each closed execution's history once, counts the locks that
// history shows were left taken, and releases that many.
import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
export type TestService = NonNullable<Connection['testService']>;
const EventType = temporal.api.enums.v1.EventType;

interface Execution {
  workflowId: string;
  runId: string;
  /** The run that started it as a child, if any. */
  parent?: { workflowId: string; runId: string };
}

/** Closing events after which the test server tells the parent, taking a lock the parent releases. */
const NOTIFIES_PARENT = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
]);

const CLOSED = new Set([...NOTIFIES_PARENT, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]);

export class TimeLockLedger {
  /** Executions to look at once they close, by `workflowId/runId`. */
  private readonly open = new Map<string, Execution>();
  private readonly settled = new Set<string>();
  /** Stray locks released so far (for tests and diagnostics). */
  released = 0;
  private running: Promise<number> | undefined;

  constructor(
    private readonly client: Client,
    private readonly testService: TestService,
  ) {}

  /** Looks after this execution, the runs it continues as, and the children they start. */
  watch(workflowId: string, runId: string, parent?: Execution['parent']): void {
    const key = `${workflowId}/${runId}`;
    if (this.settled.has(key) || this.open.has(key)) return;
    this.open.set(key, parent ? { workflowId, runId, parent } : { workflowId, runId });
  }

  /** Releases the locks closed executions left taken; resolves with how many. Calls do not overlap. */
  settle(): Promise<number> {
    this.running ??= this.settleOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async settleOnce(): Promise<number> {
    let stray = 0;
    for (const [key, e] of [...this.open]) {
      if (await this.isRunning(e.workflowId, e.runId)) continue;
      const events = await this.history(e.workflowId, e.runId);
      const last = events.at(-1);
      if (!last || !CLOSED.has(last.eventType ?? 0)) continue;
      let count = strayLocksOf(events);
      if (e.parent && NOTIFIES_PARENT.has(last.eventType ?? 0)) {
        const parentEvents = await this.history(e.parent.workflowId, e.parent.runId);
        const parentLast = parentEvents.at(-1);
        // The parent may still record the child's end, and release the lock itself.
        if (!parentLast || !CLOSED.has(parentLast.eventType ?? 0)) continue;
        if (!parentEvents.some((p) => childClosedIn(p, e.workflowId))) count += 1;
      }
      this.open.delete(key);
      this.settled.add(key);
      for (const next of successors(events, e)) this.watch(next.workflowId, next.runId, next.parent);
      for (let i = 0; i < count; i++) await this.testService.unlockTimeSkipping({});
      stray += count;
    }
    this.released += stray;
    return stray;
  }

  private async isRunning(workflowId: string, runId: string): Promise<boolean> {
    try {
      return (await this.client.workflow.getHandle(workflowId, runId).describe()).status.name === 'RUNNING';
    } catch {
      return true;
    }
  }

  private async history(workflowId: string, runId: string): Promise<HistoryEvent[]> {
    try {
      return (await this.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    } catch {
      // Not there (yet): looked at again on the next settle.
      return [];
    }
  }
}

/**
 * The locks a closed execution's history shows were never released: a workflow task still outstanding,
 * activities and child starts without their closing event.
 */
export function strayLocksOf(events: readonly HistoryEvent[]): number {
  let taskOpen = false;
  const activities = new Set<number>();
  const childStarts = new Set<number>();
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        taskOpen = true;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        taskOpen = false;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activities.add(Number(e.eventId));
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        activities.delete(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        activities.delete(Number(e.activityTaskFailedEventAttributes?.scheduledEventId));
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        activities.delete(Number(e.activityTaskTimedOutEventAttributes?.scheduledEventId));
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
        activities.delete(Number(e.activityTaskCanceledEventAttributes?.scheduledEventId));
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        childStarts.add(Number(e.eventId));
        break;
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
        childStarts.delete(Number(e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId));
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
        childStarts.delete(Number(e.startChildWorkflowExecutionFailedEventAttributes?.initiatedEventId));
        break;
    }
  }
  return (taskOpen ? 1 : 0) + activities.size + childStarts.size;
}

function childClosedIn(e: HistoryEvent, childWorkflowId: string): boolean {
  const a =
    e.childWorkflowExecutionCompletedEventAttributes ??
    e.childWorkflowExecutionFailedEventAttributes ??
    e.childWorkflowExecutionCanceledEventAttributes ??
    e.childWorkflowExecutionTimedOutEventAttributes;
  return a?.workflowExecution?.workflowId === childWorkflowId;
}

/** The run a closed run continued as, and the children it started. */
function successors(events: readonly HistoryEvent[], e: Execution): Execution[] {
  const next: Execution[] = [];
  const continued = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  if (continued) next.push(e.parent ? { workflowId: e.workflowId, runId: continued, parent: e.parent } : { workflowId: e.workflowId, runId: continued });
  for (const ev of events) {
    const child = ev.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId && child.runId) next.push({ workflowId: child.workflowId, runId: child.runId, parent: { workflowId: e.workflowId, runId: e.runId } });
  }
  return next;
}
