// What a test asserts on after a run: the Job's own account (status, pods, events, outcome) and what
// the environment's workers saw of each pod (its labels, annotations and each container's environment as
// the container's process got it).
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { podFacts, resolveContainer } from '../activities';
import { finishedCondition } from '../api/conditions';
import type { RunPodInput } from '../api/pod';
import type { Job, JobStatus, Labels } from '../api/types';
import type { JobEvent, JobResult, PodRecord } from '../workflows/messages';

/** A pod of the run, as the Job recorded it and as the worker that ran it saw it. */
export interface CreatedPod {
  name: string;
  index?: number;
  /** The Job's record of the pod; absent for pods that fell out of the Job's bounded window (`podsDropped`). */
  record?: PodRecord;
  /** The pod's labels and annotations as its worker got them (absent for a pod no worker of this environment ran). */
  labels?: Labels;
  annotations?: Labels;
  /**
   * Each container's environment as its process got it (init containers too), by container name: its
   * own variables expanded, the downward API's values, JOB_COMPLETION_INDEX, HOSTNAME, and PATH and HOME
   * from the worker's host. A container whose environment could not be resolved (a missing secret) is absent.
   */
  env?: Record<string, Record<string, string>>;
}

export interface JobRun {
  job: Job;
  status: JobStatus;
  /** The Job's recent pods, in the order they finished, with exit codes, reasons, times and log tails. */
  pods: PodRecord[];
  /** Finished pods that fell out of the bounded window `pods` keeps (100 pods). */
  podsDropped: number;
  events: JobEvent[];
  /** The condition that ended the Job (Complete or Failed). */
  outcome: { type: string; reason: string; message: string } | undefined;
  /** Pods the Job created over its life, dropped ones included. */
  podsCreated: number;
  /** The most pods active (created and not yet finished) at one instant, over the pods in `pods`. */
  peakActive: number;
  /** Every pod in creation order (the pods this environment's workers ran first, then the Job's records). */
  created: CreatedPod[];
}

interface Seen {
  name: string;
  index?: number;
  labels: Labels;
  annotations: Labels;
  env: Record<string, Record<string, string>>;
}

/** Records what each pod run on this environment's workers was given, per Job (by uid). */
export class PodCapture {
  private readonly byJob = new Map<string, Map<string, Seen>>();

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: (input, next) => {
        if (ctx.info.activityType === 'runPod') this.saw(input.args[0] as RunPodInput);
        return next(input);
      },
    },
  });

  private saw(input: RunPodInput): void {
    let pods = this.byJob.get(input.jobUid);
    if (!pods) this.byJob.set(input.jobUid, (pods = new Map()));
    // The first run of a pod is what it was created with; an in-place restart runs the same spec.
    if (pods.has(input.podName)) return;
    const facts = podFacts(input);
    const env: Record<string, Record<string, string>> = {};
    for (const c of [...(input.spec.initContainers ?? []), ...input.spec.containers]) {
      const resolved = resolveContainer(c, facts);
      if (resolved.ok) env[c.name] = resolved.value.env;
    }
    pods.set(input.podName, {
      name: input.podName,
      ...(input.index !== undefined ? { index: input.index } : {}),
      labels: { ...facts.labels },
      annotations: { ...facts.annotations },
      env,
    });
  }

  /** The pods of the Job with this uid that ran here, in the order they first ran. */
  seen(uid: string | undefined): Seen[] {
    return uid === undefined ? [] : [...(this.byJob.get(uid)?.values() ?? [])];
  }
}

export function toRun(result: JobResult, capture?: PodCapture): JobRun {
  const outcome = finishedCondition(result.job.status);
  return {
    job: result.job,
    status: result.job.status,
    pods: result.pods,
    podsDropped: result.podsDropped,
    events: result.events,
    outcome: outcome && { type: outcome.type, reason: outcome.reason, message: outcome.message },
    podsCreated: result.pods.length + result.podsDropped,
    peakActive: peakActive(result.pods),
    created: createdPods(result.pods, capture?.seen(result.job.metadata.uid) ?? []),
  };
}

/** Pods in creation order: the Job's records (same-instant pods by index), after the dropped ones only a worker saw. */
function createdPods(records: PodRecord[], seen: Seen[]): CreatedPod[] {
  const byName = new Map(seen.map((s) => [s.name, s]));
  const recorded = [...records].sort((a, b) => Date.parse(a.creationTimestamp) - Date.parse(b.creationTimestamp) || (a.index ?? 0) - (b.index ?? 0));
  const names = new Set(recorded.map((r) => r.name));
  const dropped: CreatedPod[] = seen.filter((s) => !names.has(s.name)).map((s) => ({ ...s }));
  return [
    ...dropped,
    ...recorded.map((record): CreatedPod => {
      const s = byName.get(record.name);
      return {
        name: record.name,
        ...(record.index !== undefined ? { index: record.index } : {}),
        record,
        ...(s ? { labels: s.labels, annotations: s.annotations, env: s.env } : {}),
      };
    }),
  ];
}

/** The most pods existing at one instant, from each pod's [creationTimestamp, finishedAt); a pod ending as another is created does not overlap it. */
export function peakActive(pods: readonly PodRecord[]): number {
  return peakOverlap(pods.map((p) => [Date.parse(p.creationTimestamp), p.finishedAt !== undefined ? Date.parse(p.finishedAt) : Infinity]));
}

/** The most [start, end) spans covering one instant; a span ending where another starts does not overlap it. */
export function peakOverlap(spans: ReadonlyArray<readonly [number, number]>): number {
  const points: Array<[number, number]> = [];
  for (const [start, end] of spans) points.push([start, +1], [end, -1]);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of points) {
    now += d;
    max = Math.max(max, now);
  }
  return max;
}
