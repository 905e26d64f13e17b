// How many pod runs the loop may start now. Temporal fails a workflow task that would have more than
// 2,000 pending activities, and one task that schedules thousands of them is slow enough to time out,
// so whatever `parallelism` says, pods in flight stay under MAX_PODS_IN_FLIGHT and one workflow task
// starts at most MAX_STARTS_PER_TASK (Kubernetes' slow start caps one sync at 500 creations). Pods held
// back start on a later task: one held back by the in-flight cap when a pod ends, one held back by this
// task's cap on the next task, which the pods just started bring (their start's announcement or their
// result); runs that began before the 'no-racing-timers' patch ask for it with a 1 ms timer (`nextTask`).
import { sleep, workflowInfo } from '@temporalio/workflow';

export const MAX_PODS_IN_FLIGHT = 1_000;
export const MAX_STARTS_PER_TASK = 500;
/**
 * Each pod's activity input carries its pod spec, so one task's starts also stay under this many bytes
 * of input (a workflow task completion fails past gRPC's 4 MB); a task always starts at least one pod.
 */
export const MAX_START_BYTES_PER_TASK = 1024 * 1024;

export class StartPacing {
  private readonly perTask: number;
  private task = -1;
  private startedInTask = 0;
  /** Pod runs this workflow run started. */
  startedInRun = 0;

  /** `podInputBytes`: the size of one pod's activity input (its spec dominates it). */
  constructor(podInputBytes: number) {
    this.perTask = Math.max(1, Math.min(MAX_STARTS_PER_TASK, Math.floor(MAX_START_BYTES_PER_TASK / Math.max(1, podInputBytes))));
  }

  /** The starts still allowed in the current workflow task with `inFlight` pod runs pending. */
  budget(inFlight: number): number {
    // Every activation of one workflow task sees the same history length; the next task sees a longer one.
    const task = workflowInfo().historyLength;
    if (task !== this.task) {
      this.task = task;
      this.startedInTask = 0;
    }
    return Math.max(0, Math.min(this.perTask - this.startedInTask, MAX_PODS_IN_FLIGHT - inFlight));
  }

  private nextTaskPending = false;
  /** Set when the timer asked for by `nextTask` fired; the loop clears it once it has woken up for it. */
  nextTaskCame = false;

  /** Whether this task's own cap (not the in-flight one) is what holds starts back now. */
  heldByTask(inFlight: number): boolean {
    return this.startedInTask >= this.perTask && inFlight < MAX_PODS_IN_FLIGHT;
  }

  /**
   * Asks for another workflow task soon. The timer is never cancelled (a cancel racing the timer's firing
   * is what a test server rejects), and at most one is pending.
   */
  nextTask(): void {
    if (this.nextTaskPending) return;
    this.nextTaskPending = true;
    sleep(1).then(
      () => {
        this.nextTaskPending = false;
        this.nextTaskCame = true;
      },
      // Cancelled with the workflow: nothing is waiting for it.
      () => undefined,
    );
  }

  started(count: number): void {
    this.startedInTask += count;
    this.startedInRun += count;
  }
}
