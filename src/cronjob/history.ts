// CJ `cleanupFinishedJobs` (JOB-SEMANTICS 7.3 step 12): finished Jobs split into Complete and Failed; in
// each group beyond its history limit, the oldest go (by start time, unknown start times last, then name).

export interface FinishedJob {
  name: string;
  outcome: 'Complete' | 'Failed';
  /** Epoch ms; undefined sorts last. */
  startTime?: number;
}

export interface HistoryLimits {
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
}

function byAge(a: FinishedJob, b: FinishedJob): number {
  if (a.startTime === undefined && b.startTime !== undefined) return 1;
  if (b.startTime === undefined && a.startTime !== undefined) return -1;
  if (a.startTime !== undefined && b.startTime !== undefined && a.startTime !== b.startTime) return a.startTime - b.startTime;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The names to delete, oldest first. */
export function jobsBeyondHistory(jobs: readonly FinishedJob[], limits: HistoryLimits): string[] {
  const out: string[] = [];
  const group = (outcome: FinishedJob['outcome'], limit: number) => {
    const list = jobs.filter((j) => j.outcome === outcome).sort(byAge);
    const extra = list.length - Math.max(0, limit);
    if (extra > 0) out.push(...list.slice(0, extra).map((j) => j.name));
  };
  group('Complete', limits.successfulJobsHistoryLimit);
  group('Failed', limits.failedJobsHistoryLimit);
  return out;
}
