// Carries out the controller's pod decisions: one activity per pod run, each in its own
// CancellationScope so that deleting a pod cancels exactly that run, and what the run ended with goes
// back to the controller as an event.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  TimeoutFailure,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { POD_FAILED_FAILURE_TYPE, type RunPodInput, type RunPodResult } from '../api/pod';
import { podTaskQueue } from '../api/task-queues';
import { podIdentity, type ControllerEvent, type Decision } from '../controller';
import type { JobContext } from './job-context';

interface PodActivities {
  runPod(input: RunPodInput): Promise<RunPodResult>;
}

const { runPod } = proxyActivities<PodActivities>({
  // A pod may legitimately run for days; a dead worker is caught by the heartbeat timeout instead.
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '20 seconds',
  // The controller owns retries: it must see every failure to count it against backoffLimit.
  retry: { maximumAttempts: 1 },
  // The default (TRY_CANCEL) would let a pod's process outlive its cancellation (TEMPORAL-NOTES).
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export type RunPodDecision = Extract<Decision, { type: 'runPod' }>;

export class PodDispatch {
  private readonly inFlight = new Map<string, CancellationScope>();

  constructor(private readonly ctx: JobContext) {}

  /** Pod runs whose activity has not ended yet (cancelled ones included until their process is gone). */
  get size(): number {
    return this.inFlight.size;
  }

  carryOut(decisions: readonly Decision[]): void {
    for (const d of decisions) {
      if (d.type === 'runPod') this.start(d);
      else this.inFlight.get(d.pod)?.cancel();
    }
  }

  private start(d: RunPodDecision): void {
    const job = this.ctx.job;
    const scope = new PodScope();
    this.inFlight.set(d.pod, scope);
    const { labels, annotations } = podIdentity(job, d.index, d);
    const podInput: RunPodInput = {
      namespace: job.metadata.namespace,
      jobName: job.metadata.name,
      jobUid: job.metadata.uid ?? '',
      podName: d.pod,
      restartCount: d.restartCount,
      labels,
      annotations,
      spec: job.spec.template.spec,
    };
    if (d.index !== undefined) podInput.index = d.index;
    const summary = d.restartCount > 0 ? `pod ${d.pod} (restart ${d.restartCount})` : `pod ${d.pod}`;
    const inbox = this.ctx.inbox;
    scope
      .run(() =>
        // A deterministic id per pod run: the same run is never started twice.
        runPod.executeWithOptions(
          {
            activityId: `${d.pod}-${d.restartCount}`,
            summary,
            // nodeSelector picks the workers whose node labels satisfy it (see src/api/task-queues.ts).
            taskQueue: podTaskQueue(workflowInfo().taskQueue, job.spec.template.spec.nodeSelector),
          },
          [podInput],
        ),
      )
      // One reaction for both outcomes, no `.finally`: every promise workflow code creates costs the SDK's
      // promise hook a stack trace, and `.finally` alone made three per pod.
      .then(
        (result) => {
          this.inFlight.delete(d.pod);
          inbox.push({ type: 'podFinished', pod: d.pod, result, at: Date.now() });
        },
        (err: unknown) => {
          this.inFlight.delete(d.pod);
          inbox.push(classifyPodError(d.pod, err));
        },
      );
  }
}

/**
 * The scope of one pod run. `CancellationScope.run` calls `fn` through an async method that exists for
 * the `timeout` option, which a pod scope never has: two more promises per pod, and the SDK's promise
 * hook records a stack trace for every promise workflow code creates (that hook was about half of the
 * workflow thread's CPU per pod). `fn` still runs inside the scope (`run` makes it current), a
 * synchronous throw still comes back as a rejection, and activity cancellation is untouched.
 */
class PodScope extends CancellationScope {
  protected override runInContext<T>(fn: () => Promise<T>): Promise<T> {
    if (this.timeout !== undefined) return super.runInContext(fn);
    try {
      return fn();
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

function classifyPodError(pod: string, err: unknown): ControllerEvent {
  const at = Date.now();
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (isCancellation(err)) {
    // The activity reports what the killed containers did as the cancellation's details.
    const result = cause instanceof CancelledFailure ? cause.details[0] : undefined;
    return isPodResult(result) ? { type: 'podCancelled', pod, at, result } : { type: 'podCancelled', pod, at };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: 'podDisrupted', pod, at, message: `The worker running the pod stopped responding (${cause.timeoutType ?? 'timeout'})` };
  }
  // A pod that failed: its activity failed with the pod's result (see runPod).
  if (cause instanceof ApplicationFailure && cause.type === POD_FAILED_FAILURE_TYPE && isPodResult(cause.details?.[0])) {
    return { type: 'podFinished', pod, at, result: cause.details[0] };
  }
  if (cause instanceof ApplicationFailure && cause.type === 'WorkerShutdown') {
    return { type: 'podDisrupted', pod, at, message: 'The worker running the pod shut down' };
  }
  // The runtime itself failed (not the pod's process): the pod failed without a container result.
  const message = cause instanceof Error ? cause.message : String(cause);
  return { type: 'podFinished', pod, at, result: { phase: 'Failed', reason: 'RuntimeError', message, containers: [] } };
}

function isPodResult(value: unknown): value is RunPodResult {
  const v = value as Partial<RunPodResult> | undefined;
  return typeof v === 'object' && v !== null && (v.phase === 'Succeeded' || v.phase === 'Failed') && Array.isArray(v.containers);
}
