// Which scheduled time a run stands for (JOB-SEMANTICS 7.3 steps 6-8). Kubernetes never back-fills: when
// several times were missed (the server or every worker was down, or Forbid held a run back) it creates
// one Job, for the most recent time, and warns when more than 100 were missed. A Temporal Schedule
// catching up starts a run per missed time instead, so each run looks forward from its own time: if a
// later time has already come, it stands for the latest one (whose Job the other late runs then find
// already created). Pure: `now` comes in; croner only does calendar arithmetic.
import { Cron } from 'croner';
import type { CronJob } from '../api/cronjob';
import { cronExpressionsFor } from '../api/cron';

export const MANY_MISSED = 100;

export interface DueTime {
  /** The scheduled time (epoch ms) the run creates its Job for. */
  time: number;
  /** Scheduled times after the run's own that have come by now (within startingDeadlineSeconds, if set). */
  missed: number;
}

/** One calendar per expression given to Temporal (scheduleShape), so both see the same times. */
function calendarsFor(c: CronJob): Cron[] | undefined {
  const expressions = cronExpressionsFor(c.spec.schedule);
  // robfig's `@every` is a fixed interval, not a calendar: Temporal's own times stand.
  if (expressions.some((e) => e.startsWith('@'))) return undefined;
  // robfig reads `?` as `*`; croner would read it as "the current value". Each expression leaves one of
  // the day fields `*`, so both must match (domAndDow), as in Temporal.
  return expressions.map((e) => new Cron(e.replace(/\?/g, '*'), { timezone: c.spec.timeZone ?? 'UTC', paused: true, domAndDow: true }));
}

/** The first `n` scheduled times after `from`, across all calendars. */
function nextTimes(calendars: readonly Cron[], n: number, from: number): number[] {
  const all = new Set<number>();
  for (const cal of calendars) for (const d of cal.nextRuns(n, new Date(from))) all.add(d.getTime());
  return [...all].sort((a, b) => a - b).slice(0, n);
}

export function dueTime(c: CronJob, scheduledMs: number, nowMs: number): DueTime {
  const calendars = calendarsFor(c);
  if (!calendars) return { time: scheduledMs, missed: 0 };
  const deadline = c.spec.startingDeadlineSeconds;
  const earliest = deadline === undefined ? scheduledMs : Math.max(scheduledMs, nowMs - deadline * 1000);
  const later = nextTimes(calendars, MANY_MISSED + 1, scheduledMs).filter((t) => t <= nowMs);
  if (later.length === 0) return { time: scheduledMs, missed: 0 };
  const counted = later.filter((t) => t > earliest);
  if (later.length <= MANY_MISSED) return { time: later[later.length - 1], missed: counted.length };
  const latest = Math.max(...calendars.map((cal) => cal.previousRuns(1, new Date(nowMs + 1))[0]?.getTime() ?? 0), later[later.length - 1]);
  if (deadline !== undefined) return { time: latest, missed: nextTimes(calendars, MANY_MISSED + 1, earliest).filter((t) => t <= nowMs).length };
  // CJ mostRecentScheduleTime's estimate: the elapsed time over the gap between two scheduled times.
  const [t1, t2] = later;
  const gap = Math.max(1000, t2 - t1);
  return { time: latest, missed: Math.floor((nowMs - t1) / gap) + 1 };
}

/**
 * How late a Forbid run may start and still be on time. A Schedule starts a run within a second of its
 * time; later than this, BUFFER_ONE held it back while the previous Job ran.
 */
export const HELD_BACK_AFTER_MS = 10_000;

/**
 * Whether a run was held back by Forbid (Kubernetes' JobAlreadyActive at its scheduled time). A run late
 * because the server was down looks the same; Kubernetes would not say JobAlreadyActive then, but the
 * Schedule does not tell the two apart.
 */
export function heldBackByForbid(c: CronJob, nominalMs: number, startedMs: number): boolean {
  return c.spec.concurrencyPolicy === 'Forbid' && startedMs - nominalMs > HELD_BACK_AFTER_MS;
}
