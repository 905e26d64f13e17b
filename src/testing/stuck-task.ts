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
  private outstanding: { key: string; since: number } | undefined;

  constructor(
    private readonly client: Client,
    private readonly workflowId: string,
    private readonly label: string,
    private readonly boundMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws StuckWorkflowTaskError once one workflow task has been outstanding for longer than the bound. */
  async check(): Promise<void> {
    const handle = this.client.workflow.getHandle(this.workflowId);
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') {
      this.outstanding = undefined;
      return;
    }
    const events = (await this.client.workflow.getHandle(this.workflowId, described.runId).fetchHistory()).events ?? [];
    const task = [...events].reverse().find((e) => TASK_EVENTS.has(e.eventType ?? 0));
    const open = task && (task.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || task.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    if (!open) {
      this.outstanding = undefined;
      return;
    }
    const key = `${described.runId}/${String(task.eventId)}`;
    const now = this.now();
    if (this.outstanding?.key !== key) {
      this.outstanding = { key, since: now };
      return;
    }
    if (now - this.outstanding.since <= this.boundMs) return;
    const seconds = Math.round((now - this.outstanding.since) / 1000);
    throw new StuckWorkflowTaskError(
      [
        `Job ${this.label} is stuck: its workflow task (event ${String(task.eventId)}, ${eventName(task)}) has been outstanding for ${seconds} s.`,
        `Either no worker polls task queue "${described.taskQueue}" (wait inside env.runWorker), or the time-skipping test server refused`,
        `the task's completion and never hands it out again (a known limit of that server: see "Testing your own Jobs" in the README).`,
        `Last events of run ${described.runId}:`,
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
