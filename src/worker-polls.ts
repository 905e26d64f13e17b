// How many activity polls a worker keeps open. Each poll takes one pod from the task queue; with the
// SDK's default of 10, a Job of parallelism 1,000 had up to 814 pods waiting in the queue (p50 30 s)
// while the worker, with 1,000 free slots, ran 186; with 100 polls at most 499 waited (p50 4.9 s) and
// 827 ran at once (README, Performance). One poll per two pod slots, 10 to 100, never more than slots.

export function activityPolls(maxPods: number): number {
  return Math.max(1, Math.min(maxPods, 100, Math.max(10, Math.ceil(maxPods / 2))));
}

/**
 * How many of the pods one workflow task starts this worker may take straight from that task's completion
 * (Temporal's eager activity dispatch), within its free pod slots: no task-queue round trip, no separate
 * start write on the server. The server must allow it (`system.enableActivityEagerExecution`, on in the
 * embedded dev server: src/dev/embedded.ts), and only pods without a nodeSelector qualify (same task
 * queue as the workflow). The SDK's default is 3 per task, while a task of the Job workflow starts up to
 * 500 (src/workflows/start-pacing.ts, whose 1 MB cap on one task's inputs also bounds the response).
 * The worker that runs the Job's workflow fills its own free slots first; other workers get the rest.
 */
export const EAGER_POD_STARTS_PER_TASK = 500;
