// How many activity polls a worker keeps open. Each poll takes one pod from the task queue; with the
// SDK's default of 10, a Job of parallelism 1,000 had up to 814 pods waiting in the queue (p50 30 s)
// while the worker, with 1,000 free slots, ran 186; with 100 polls at most 499 waited (p50 4.9 s) and
// 827 ran at once (README, Performance). One poll per two pod slots, 10 to 100, never more than slots.

export function activityPolls(maxPods: number): number {
  return Math.max(1, Math.min(maxPods, 100, Math.max(10, Math.ceil(maxPods / 2))));
}
