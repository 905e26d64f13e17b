// Which scheduled time a run stands for (JOB-SEMANTICS 7.3 steps 6-8). Kubernetes never back-fills: when
// several times were missed (the server or every worker was down, or Forbid held a run back) it creates
// one Job, for the most recent time, and warns when more than 100 were missed. A Temporal Schedule
// catching up starts a run per missed time instead, so each run looks forward from its own time: if a
// later time has already come, it stands for the latest one (whose Job the other late runs then find
// already created). Pure: `now` comes in; croner only does calendar arithmetic.
import { Cron } from 'croner';
import type { CronJob } from '../api/cronjob';
import { expandCronDescriptor } from '../api/cron';

export const MANY_MISSED = 100;

export interface DueTime {
  /** The scheduled time (epoch ms) the run creates its Job for. */
  time: number;
  /** Scheduled times after the run's own that have come by now (within startingDeadlineSeconds, if set). */
  missed: number;
}

function cronFor(c: CronJob): Cron | undefined {
  const schedule = expandCronDescriptor(c.spec.schedule);
  // robfig's `@every` is a fixed interval, not a calendar: Temporal's own times stand.
  if (schedule.startsWith('@')) return undefined;
  // robfig reads `?` as `*`; croner would read it as "the current value".
  return new Cron(schedule.replace(/\?/g, '*'), { timezone: c.spec.timeZone ?? 'UTC', paused: true });
}

export function dueTime(c: CronJob, scheduledMs: number, nowMs: number): DueTime {
  const cron = cronFor(c);
  if (!cron) return { time: scheduledMs, missed: 0 };
  const deadline = c.spec.startingDeadlineSeconds;
  const earliest = deadline === undefined ? scheduledMs : Math.max(scheduledMs, nowMs - deadline * 1000);
  const later = cron.nextRuns(MANY_MISSED + 1, new Date(scheduledMs)).map((d) => d.getTime()).filter((t) => t <= nowMs);
  if (later.length === 0) return { time: scheduledMs, missed: 0 };
  const counted = later.filter((t) => t > earliest);
  if (later.length <= MANY_MISSED) return { time: later[later.length - 1], missed: counted.length };
  const latest = cron.previousRuns(1, new Date(nowMs + 1))[0]?.getTime() ?? later[later.length - 1];
  if (deadline !== undefined) return { time: latest, missed: cron.nextRuns(MANY_MISSED + 1, new Date(earliest)).filter((d) => d.getTime() <= nowMs).length };
  // CJ mostRecentScheduleTime's estimate: the elapsed time over the gap between two scheduled times.
  const [t1, t2] = later;
  const gap = Math.max(1000, t2 - t1);
  return { time: latest, missed: Math.floor((nowMs - t1) / gap) + 1 };
}
