// Turns a Job that no longer moves into a test failure with a message instead of a hang.
//
// A workflow task that stays scheduled or started (the same event in the same run) for longer than a
// workflow task may take means nobody will finish it: no worker polls the Job's task queue, or the
// time-skipping test server refused the task's completion and never hands the task out again. The
// server does the latter when a task cancels an activity that completed while the task ran
// (ACTIVITY_UNKNOWN) or a timer that fired meanwhile ("invalid history builder state for action"):
// sdk-java v1.31.0 drops the activity or timer from its state before the task completes.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Thrown by a wait of the testing API whose Job's workflow task stays outstanding. */
export class StuckWorkflowTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StuckWorkflowTaskError';
  }
}

const TASK_EVENTS = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/** How many of the run's last events the error shows. */
const SHOWN_EVENTS = 12;

export class StuckTaskWatch {
  /** The run's history as last seen, and since when (real time) it has not grown. */
  private still: { runId: string; length: number; since: number } | undefined;

  constructor(
    private readonly client: Client,
    private readonly workflowId: string,
    private readonly label: string,
    private readonly boundMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Throws StuckWorkflowTaskError once the run's history has not grown for longer than the bound while a
   * workflow task is outstanding. The history is read only then: a Job's history can be megabytes.
   */
  async check(): Promise<void> {
    const described = await this.client.workflow.getHandle(this.workflowId).describe();
    const now = this.now();
    if (described.status.name !== 'RUNNING') {
      this.still = undefined;
      return;
    }
    const { runId, historyLength } = described;
    if (this.still?.runId !== runId || this.still.length !== historyLength) {
      this.still = { runId, length: historyLength, since: now };
      return;
    }
    if (now - this.still.since <= this.boundMs) return;
    const events = (await this.client.workflow.getHandle(this.workflowId, runId).fetchHistory()).events ?? [];
    const task = [...events].reverse().find((e) => TASK_EVENTS.has(e.eventType ?? 0));
    const open = task && (task.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || task.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    if (!open) {
      // Idle, not stuck: waiting on a timer or a running pod. Looked at again after another bound.
      this.still = { runId, length: historyLength, since: now };
      return;
    }
    const seconds = Math.round((now - this.still.since) / 1000);
    throw new StuckWorkflowTaskError(
      [
        `Job ${this.label} is stuck: its workflow task (event ${String(task.eventId)}, ${eventName(task)}) has been outstanding for ${seconds} s.`,
        `Either no worker polls task queue "${described.taskQueue}" (wait inside env.runWorker), or the time-skipping test server refused`,
        `the task's completion and never hands it out again (a known limit of that server: see "Testing your own Jobs" in the README).`,
        `Last events of run ${runId}:`,
        ...events.slice(-SHOWN_EVENTS).map((e) => `  ${describeEvent(e)}`),
      ].join('\n'),
    );
  }
}

function eventName(e: HistoryEvent): string {
  return String(EventType[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, '');
}

export function describeEvent(e: HistoryEvent): string {
  const detail =
    e.workflowTaskFailedEventAttributes?.failure?.message ??
    e.activityTaskScheduledEventAttributes?.activityId ??
    e.timerStartedEventAttributes?.timerId ??
    e.workflowExecutionSignaledEventAttributes?.signalName ??
    e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
    undefined;
  const at = e.eventTime?.seconds != null ? new Date(Number(e.eventTime.seconds) * 1000 + Math.round((e.eventTime.nanos ?? 0) / 1e6)).toISOString() : '';
  return `${String(e.eventId)} ${at} ${eventName(e)}${detail ? ` ${detail}` : ''}`;
}
