// The CronJob controller's events, in Kubernetes' words (JOB-SEMANTICS 7.3).

export interface CronJobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** RFC 3339. */
  at: string;
}

export const cronJobEvents = {
  created: (job: string) => ({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${job}` }),
  sawCompleted: (job: string, status: 'Complete' | 'Failed') => ({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${job}, status: ${status}` }),
  deleted: (job: string) => ({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${job}` }),
  missing: (job: string) => ({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${job}` }),
  alreadyActive: () => ({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' }),
  missSchedule: (scheduled: string) => ({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${scheduled}` }),
  tooManyMissed: (count: number) => ({
    type: 'Warning',
    reason: 'TooManyMissedTimes',
    message: `too many missed start times: ${count}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
  }),
  failedCreate: (err: string) => ({ type: 'Warning', reason: 'FailedCreate', message: `Error creating job: ${err}` }),
} satisfies Record<string, (...args: never[]) => Omit<CronJobEvent, 'at'>>;

/** Go's time.RFC1123Z, which MissSchedule prints: `Mon, 02 Jan 2006 15:04:05 -0700` (UTC here). */
export function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
