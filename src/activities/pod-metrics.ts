// durable-jobs' own metrics and per-pod log lines, recorded by runPod. The metrics go through the
// Temporal runtime's meter, so they are served on the same Prometheus endpoint as the SDK's worker
// metrics (`--metrics-address`); without a meter (a script calling the activity) they go nowhere.
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type { RunPodInput, RunPodResult } from '../api/pod';

/**
 * A worker-side log line. Lines with fields are the per-pod info lines (start and end); lines without
 * are notes the operator should see (warnings). `--log-format json` prints the fields as they are.
 */
export type WorkerLog = (message: string, fields?: PodLogFields) => void;

export interface PodLogFields {
  event: 'pod-started' | 'pod-ended';
  pod: string;
  namespace: string;
  job: string;
  phase?: 'Succeeded' | 'Failed' | 'Cancelled';
  reason?: string;
  exitCode?: number | null;
  durationMs?: number;
}

/**
 * Tag names avoid `namespace` (the SDK's own metrics use it for the Temporal namespace, another thing
 * than a Kubernetes namespace) and `job` (Prometheus's own label for the scrape job).
 */
/** Pods run from seconds to days; the SDK's default buckets stop at 10 s. */
export const POD_DURATION_BUCKETS_S = [0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

export class PodMetrics {
  private readonly started;
  private readonly succeeded;
  private readonly failed;
  private readonly cancelled;
  private readonly duration;
  private readonly running;
  private readonly capacity;
  private readonly sandboxFailures;
  private runningNow = 0;

  /** `maxPods`: the worker's cap (PodSlots); pods running over it is the cap usage. */
  constructor(meter: MetricMeter = noopMetricMeter, maxPods?: number) {
    this.started = meter.createCounter('durable_jobs_pods_started', '', 'Pods this worker started');
    this.succeeded = meter.createCounter('durable_jobs_pods_succeeded', '', 'Pods that ended Succeeded');
    this.failed = meter.createCounter('durable_jobs_pods_failed', '', 'Pods that ended Failed, by reason');
    this.cancelled = meter.createCounter('durable_jobs_pods_cancelled', '', 'Pods stopped by a cancellation (Job deleted, suspended, done, or worker shutdown)');
    this.duration = meter.createHistogram('durable_jobs_pod_duration', 'float', 's', 'How long pods ran, seconds, by phase');
    this.running = meter.createGauge('durable_jobs_pods_running', 'int', '', 'Pods running on this worker now');
    this.capacity = meter.createGauge('durable_jobs_pods_max', 'int', '', "The worker's cap on pods running at once (--max-concurrent-pods)");
    this.sandboxFailures = meter.createCounter('durable_jobs_sandbox_start_failures', '', 'Containers that could not start (ContainerCannotRun)');
    if (maxPods !== undefined) this.capacity.set(maxPods);
  }

  podStarted(input: RunPodInput): void {
    this.started.add(1, tagsOf(input));
    this.runningNow += 1;
    this.running.set(this.runningNow);
  }

  podEnded(input: RunPodInput, outcome: PodOutcome): void {
    this.runningNow -= 1;
    this.running.set(this.runningNow);
    const tags = tagsOf(input);
    this.duration.record(outcome.durationMs / 1000, { ...tags, phase: outcome.phase });
    if (outcome.phase === 'Succeeded') this.succeeded.add(1, tags);
    else if (outcome.phase === 'Failed') this.failed.add(1, { ...tags, reason: outcome.reason ?? 'Unknown' });
    else this.cancelled.add(1, tags);
    const cannotRun = outcome.result?.containers.filter((c) => c.reason === 'ContainerCannotRun').length ?? 0;
    if (cannotRun > 0) this.sandboxFailures.add(cannotRun, tags);
  }
}

export interface PodOutcome {
  phase: 'Succeeded' | 'Failed' | 'Cancelled';
  reason?: string;
  exitCode?: number | null;
  durationMs: number;
  result?: RunPodResult;
}

/** A pod result as the metrics and the end line see it: the Kubernetes reason and the failed container's exit code. */
export function outcomeOf(result: RunPodResult | undefined, durationMs: number, cancelled: boolean): PodOutcome {
  const failedContainer = result?.containers.find((c) => c.reason !== 'Completed');
  const main = failedContainer ?? result?.containers[result.containers.length - 1];
  const exitCode = main?.exitCode;
  const base = { durationMs, ...(result ? { result } : {}), ...(exitCode !== undefined ? { exitCode } : {}) };
  if (cancelled) return { phase: 'Cancelled', ...base };
  if (!result) return { phase: 'Failed', reason: 'WorkerError', ...base };
  if (result.phase === 'Succeeded') return { phase: 'Succeeded', ...base };
  return { phase: 'Failed', reason: result.reason ?? failedContainer?.reason ?? 'Unknown', ...base };
}

export function podStartedLine(input: RunPodInput): [string, PodLogFields] {
  const fields: PodLogFields = { event: 'pod-started', pod: input.podName, namespace: input.namespace, job: input.jobName };
  return [`pod ${input.podName} started (job ${input.namespace}/${input.jobName})`, fields];
}

export function podEndedLine(input: RunPodInput, o: PodOutcome): [string, PodLogFields] {
  const fields: PodLogFields = {
    event: 'pod-ended',
    pod: input.podName,
    namespace: input.namespace,
    job: input.jobName,
    phase: o.phase,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}),
    durationMs: Math.round(o.durationMs),
  };
  const exit = o.exitCode !== undefined && o.exitCode !== null ? ` exit ${o.exitCode}` : '';
  const why = o.reason !== undefined ? ` ${o.reason}` : '';
  return [`pod ${input.podName} ${o.phase}${why}${exit} after ${(o.durationMs / 1000).toFixed(1)}s (job ${input.namespace}/${input.jobName})`, fields];
}

function tagsOf(input: RunPodInput): { job_namespace: string; job_name: string } {
  return { job_namespace: input.namespace, job_name: input.jobName };
}
