// How a CronJob's spec maps onto a Temporal Schedule (JOB-SEMANTICS 7.2/7.3, TEMPORAL-NOTES "Schedules").
// Pure: the client turns this into `client.schedule.create/update` options.
import type { ConcurrencyPolicy, CronJob } from '../api/cronjob';
import { cronExpressionsFor } from '../api/cron';

/** Temporal's ScheduleOverlapPolicy names. */
export type OverlapPolicy = 'ALLOW_ALL' | 'BUFFER_ONE' | 'CANCEL_OTHER';

/**
 * - Allow: every scheduled time starts a Job, however many still run.
 * - Forbid: Kubernetes creates nothing while a Job runs and, once it ends, runs the most recent time it
 *   missed meanwhile; BUFFER_ONE keeps one start waiting for the running one to close (SKIP would lose it).
 * - Replace: the running Job is deleted (pods get their grace period) and the new one starts: CANCEL_OTHER
 *   cancels the running `cronJobRun`, which deletes its Job, and starts the new run once it has closed.
 *   TERMINATE_OTHER would cut the run off without stopping its Job's pods.
 */
export const OVERLAP_FOR: Readonly<Record<ConcurrencyPolicy, OverlapPolicy>> = {
  Allow: 'ALLOW_ALL',
  Forbid: 'BUFFER_ONE',
  Replace: 'CANCEL_OTHER',
};

/** Temporal refuses a catchup window under 10 s. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;
/**
 * Without startingDeadlineSeconds Kubernetes has no deadline but runs only the most recent missed time.
 * A day covers a server that was down for a while without replaying a long outage run by run.
 */
export const DEFAULT_CATCHUP_WINDOW_MS = 24 * 3600_000;

export interface ScheduleShape {
  /** Their union is the schedule's times (see cronExpressionsFor: robfig's day-of-month OR day-of-week). */
  cronExpressions: string[];
  /** IANA zone; undefined is UTC (the Temporal server's zone stands in for the controller manager's). */
  timezone?: string;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  paused: boolean;
  /** Why the schedule is paused, as the Web UI shows it. */
  note?: string;
}

export function scheduleShape(c: CronJob): ScheduleShape {
  const deadline = c.spec.startingDeadlineSeconds;
  return {
    cronExpressions: cronExpressionsFor(c.spec.schedule),
    ...(c.spec.timeZone !== undefined ? { timezone: c.spec.timeZone } : {}),
    overlap: OVERLAP_FOR[c.spec.concurrencyPolicy],
    catchupWindowMs: deadline === undefined ? DEFAULT_CATCHUP_WINDOW_MS : Math.max(MIN_CATCHUP_WINDOW_MS, deadline * 1000),
    paused: c.spec.suspend,
    ...(c.spec.suspend ? { note: 'CronJob suspended (spec.suspend: true)' } : {}),
  };
}

/**
 * 7.3 step 8: a run that starts more than startingDeadlineSeconds after its scheduled time is skipped
 * (a worker that was down, or a deadline under Temporal's 10 s catchup minimum).
 */
export function missedDeadline(c: CronJob, scheduledMs: number, nowMs: number): boolean {
  const deadline = c.spec.startingDeadlineSeconds;
  return deadline !== undefined && scheduledMs + deadline * 1000 < nowMs;
}
