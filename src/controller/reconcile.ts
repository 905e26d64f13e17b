// The Job controller: Kubernetes' syncJob as a deterministic function of (Job, state, now).
// `apply` folds what happened to a pod into the state; `reconcile` decides what to do next.
// Both mutate the state they are given (the workflow shell owns it) and touch nothing else.
import type { Job, JobSpec } from '../api/types';
import { addIndex, countIndexes, firstMissingIndexes, hasIndex, rangesFromIndexes } from '../api/indexes';
import { crashLoopDelay, recordPodFinished, remainingBackoff } from './backoff';
import { podName, NAME_SUFFIX_ALPHABET } from './pods';
import {
  activePods,
  findCondition,
  isConditionTrue,
  isFinished,
  iso,
  REASONS,
  recordEvent,
  setCondition,
  type ReasonMessage,
} from './status';
import {
  RECENT_PODS,
  type ControllerEvent,
  type DeletionCause,
  type JobState,
  type PodRecord,
  type PodRunOutcome,
  type ReconcileContext,
  type ReconcileResult,
} from './state';

const POD_DEADLINE_REASON = 'DeadlineExceeded';

export function apply(spec: JobSpec, state: JobState, event: ControllerEvent): void {
  const pod = state.pods.find((p) => p.name === event.pod);
  // A pod ends exactly once: late or repeated news about a pod that is gone changes nothing.
  if (!pod) return;
  switch (event.type) {
    case 'podStarted':
      if (pod.running && pod.phase === 'Pending') pod.phase = 'Running';
      pod.startTime ??= iso(event.at);
      if (event.worker) pod.worker = event.worker;
      return;
    case 'podFinished': {
      const { result } = event;
      pod.running = false;
      recordRun(pod, result, event.at);
      if (pod.deletion) return finishDeleted(state, pod, result.phase, event.at);
      if (result.phase === 'Succeeded') return podSucceeded(spec, state, pod, event.at);
      if (spec.template.spec.restartPolicy === 'OnFailure' && result.reason !== POD_DEADLINE_REASON) {
        // The kubelet restarts the failed container in place after its crash-loop delay.
        pod.restartCount += 1;
        pod.restartAt = event.at + crashLoopDelay(pod.restartCount);
        return;
      }
      return podFailed(state, pod, event.at);
    }
    case 'podDisrupted':
      pod.running = false;
      if (pod.deletion) return finishDeleted(state, pod, 'Failed', event.at);
      pod.reason = 'WorkerLost';
      pod.message = event.message;
      pod.conditions = [
        { type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost', message: event.message, lastTransitionTime: iso(event.at) },
      ];
      return podFailed(state, pod, event.at);
    case 'podCancelled':
      pod.running = false;
      // A killed pod keeps its exit codes and log tails, as a deleted pod's status shows them.
      if (event.result) recordRun(pod, event.result, event.at);
      if (pod.deletion) return finishDeleted(state, pod, event.result?.phase ?? 'Failed', event.at);
      // Nobody but the controller cancels a pod; if it happens anyway, the pod did not succeed.
      return podFailed(state, pod, event.at);
  }
}

/** What one run of the pod's containers reported; the run before an in-place restart is kept too. */
function recordRun(pod: PodRecord, result: PodRunOutcome, at: number): void {
  if (pod.containers) pod.previousContainers = pod.containers;
  pod.containers = result.containers;
  if (result.worker) pod.worker = result.worker;
  pod.startTime ??= result.startedAt ?? iso(at);
  pod.reason = result.reason;
  pod.message = result.message;
}

function retire(state: JobState, pod: PodRecord, at: number): void {
  pod.finishedAt = iso(at);
  pod.restartAt = undefined;
  state.pods = state.pods.filter((p) => p !== pod);
  state.finishedPods.push(pod);
  if (state.finishedPods.length > RECENT_PODS) {
    state.finishedPodsDropped += state.finishedPods.length - RECENT_PODS;
    state.finishedPods.splice(0, state.finishedPods.length - RECENT_PODS);
  }
}

function podSucceeded(spec: JobSpec, state: JobState, pod: PodRecord, at: number): void {
  pod.phase = 'Succeeded';
  if (spec.completionMode === 'Indexed') {
    // Indexed Jobs count distinct completed indexes, never a second success of the same index.
    if (pod.index !== undefined && pod.index < (spec.completions ?? 0) && !hasIndex(state.completedIndexes, pod.index)) {
      state.completedIndexes = addIndex(state.completedIndexes, pod.index);
      state.succeeded = countIndexes(state.completedIndexes);
    }
  } else {
    state.succeeded += 1;
  }
  state.backoff = recordPodFinished(state.backoff, 'succeeded', at);
  retire(state, pod, at);
}

function podFailed(state: JobState, pod: PodRecord, at: number): void {
  pod.phase = 'Failed';
  state.failed += 1;
  state.backoff = recordPodFinished(state.backoff, 'failed', at);
  retire(state, pod, at);
}

/** A pod the controller deleted is gone; it was counted (or deliberately not) when it was deleted. */
function finishDeleted(state: JobState, pod: PodRecord, phase: 'Succeeded' | 'Failed', at: number): void {
  pod.phase = pod.deletion?.cause === 'JobFailed' ? 'Failed' : phase;
  retire(state, pod, at);
}

function deletePod(state: JobState, pod: PodRecord, cause: DeletionCause, now: number, decisions: ReconcileResult['decisions']): void {
  pod.deletion = { cause, at: iso(now) };
  // Pods killed because the Job failed count as failed the moment they are deleted (2.3, 2.10).
  if (cause === 'JobFailed') state.failed += 1;
  recordEvent(state, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`, now);
  if (pod.running) {
    decisions.push({ type: 'deletePod', pod: pod.name });
  } else {
    // Waiting for an in-place restart: no process exists, so the pod is gone at once.
    finishDeleted(state, pod, 'Failed', now);
  }
}

function failureCriterion(spec: JobSpec, state: JobState, now: number): ReasonMessage | undefined {
  if (state.failed > spec.backoffLimit) return REASONS.backoffLimitExceeded;
  if (spec.template.spec.restartPolicy === 'OnFailure') {
    const restarts = activePods(state).reduce((sum, p) => sum + p.restartCount, 0);
    const limit = spec.backoffLimit;
    if (limit === 0 ? restarts > 0 : restarts >= limit) return REASONS.backoffLimitExceeded;
  }
  if (pastActiveDeadline(spec, state, now)) return REASONS.deadlineExceeded;
  return undefined;
}

function startTimeMs(state: JobState): number | undefined {
  return state.startTime === undefined ? undefined : Date.parse(state.startTime);
}

function pastActiveDeadline(spec: JobSpec, state: JobState, now: number): boolean {
  const start = startTimeMs(state);
  if (spec.activeDeadlineSeconds === undefined || start === undefined || spec.suspend) return false;
  return now - start >= spec.activeDeadlineSeconds * 1000;
}

function wantActive(spec: JobSpec, state: JobState, active: number): number {
  if (spec.completions === null) return state.succeeded === 0 ? spec.parallelism : active;
  return Math.max(0, Math.min(spec.parallelism, spec.completions - state.succeeded));
}

/** The order in which Kubernetes picks pods to delete on scale-down: least advanced first. */
function deletionOrder(a: PodRecord, b: PodRecord): number {
  const rank = (p: PodRecord) => (p.running ? (p.phase === 'Running' ? 2 : 1) : 0);
  return rank(a) - rank(b) || b.restartCount - a.restartCount || b.creationTimestamp.localeCompare(a.creationTimestamp);
}

function uniqueSuffix(state: JobState, jobName: string, index: number | undefined, ctx: ReconcileContext): string {
  for (;;) {
    const name = podName(jobName, index, ctx.randomSuffix());
    if (!state.pods.some((p) => p.name === name) && !state.finishedPods.some((p) => p.name === name)) return name;
  }
}

function manageJob(job: Job, state: JobState, ctx: ReconcileContext, result: ReconcileResult): void {
  const { spec } = job;
  const { now } = ctx;
  const active = activePods(state);
  if (spec.suspend) {
    for (const p of active) deletePod(state, p, 'Suspend', now, result.decisions);
    return;
  }
  const want = wantActive(spec, state, active.length);
  const excess: PodRecord[] = [];
  if (spec.completionMode === 'Indexed') {
    // Pods whose index fell out of range after an elastic scale-down go first.
    excess.push(...active.filter((p) => p.index === undefined || p.index >= (spec.completions ?? 0)));
  }
  const inRange = active.filter((p) => !excess.includes(p));
  if (inRange.length > want) excess.push(...[...inRange].sort(deletionOrder).slice(0, inRange.length - want));
  if (excess.length > 0) {
    // As in Kubernetes, a sync that deletes pods creates none.
    for (const p of excess) deletePod(state, p, 'ScaleDown', now, result.decisions);
    return;
  }

  restartWaitingPods(state, now, result);

  const terminating = state.pods.length - active.length;
  const diff = want - active.length - (spec.podReplacementPolicy === 'Failed' ? terminating : 0);
  if (diff <= 0) return;
  const wait = remainingBackoff(state.backoff, now);
  if (wait > 0) {
    wakeAt(result, now + wait);
    return;
  }
  let indexes: Array<number | undefined>;
  if (spec.completionMode === 'Indexed') {
    const taken = new Set<number>();
    for (const p of state.pods) {
      if (p.index !== undefined && (!p.deletion || spec.podReplacementPolicy === 'Failed')) taken.add(p.index);
    }
    indexes = firstMissingIndexes(diff, spec.completions ?? 0, state.completedIndexes, rangesFromIndexes(taken));
  } else {
    indexes = Array.from({ length: diff }, () => undefined);
  }
  for (const index of indexes) {
    const name = uniqueSuffix(state, job.metadata.name, index, ctx);
    const pod: PodRecord = { name, phase: 'Pending', restartCount: 0, creationTimestamp: iso(now), running: true };
    if (index !== undefined) pod.index = index;
    state.pods.push(pod);
    state.podsCreated += 1;
    recordEvent(state, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, now);
    result.decisions.push(index === undefined ? { type: 'runPod', pod: name, restartCount: 0 } : { type: 'runPod', pod: name, index, restartCount: 0 });
  }
}

function restartWaitingPods(state: JobState, now: number, result: ReconcileResult): void {
  for (const p of activePods(state)) {
    if (p.running || p.restartAt === undefined) continue;
    if (p.restartAt > now) {
      wakeAt(result, p.restartAt);
      continue;
    }
    p.restartAt = undefined;
    p.running = true;
    p.phase = 'Pending';
    result.decisions.push(
      p.index === undefined
        ? { type: 'runPod', pod: p.name, restartCount: p.restartCount }
        : { type: 'runPod', pod: p.name, index: p.index, restartCount: p.restartCount },
    );
  }
}

function wakeAt(result: ReconcileResult, at: number): void {
  if (result.wakeAt === undefined || at < result.wakeAt) result.wakeAt = at;
}

function updateSuspendedCondition(spec: JobSpec, state: JobState, now: number): void {
  if (spec.suspend) {
    if (setCondition(state, 'Suspended', 'True', { reason: 'JobSuspended', message: 'Job suspended' }, now)) {
      recordEvent(state, 'Normal', 'Suspended', 'Job suspended', now);
    }
  } else if (isConditionTrue(state, 'Suspended')) {
    setCondition(state, 'Suspended', 'False', { reason: 'JobResumed', message: 'Job resumed' }, now);
    recordEvent(state, 'Normal', 'Resumed', 'Job resumed', now);
    // "activeDeadlineSeconds is the number of seconds a Job is continuously active" (2.8).
    state.startTime = iso(now);
  }
}

function isComplete(spec: JobSpec, state: JobState): boolean {
  const active = activePods(state).length;
  if (spec.completions === null) return state.succeeded > 0 && active === 0;
  return state.succeeded >= spec.completions && active === 0;
}

/** One sync of the Job, in the order of JOB-SEMANTICS 2.2. */
export function reconcile(job: Job, state: JobState, ctx: ReconcileContext): ReconcileResult {
  const { spec } = job;
  const { now } = ctx;
  const result: ReconcileResult = { decisions: [] };
  if (isFinished(state)) return result;

  if (state.startTime === undefined && !spec.suspend) state.startTime = iso(now);

  const successDecided = isConditionTrue(state, 'SuccessCriteriaMet');
  let failureDecided = isConditionTrue(state, 'FailureTarget');
  if (!successDecided && !failureDecided) {
    const failure = failureCriterion(spec, state, now);
    if (failure) {
      setCondition(state, 'FailureTarget', 'True', failure, now);
      failureDecided = true;
    }
  }

  if (failureDecided) {
    for (const p of activePods(state)) deletePod(state, p, 'JobFailed', now, result.decisions);
  } else if (successDecided) {
    for (const p of activePods(state)) deletePod(state, p, 'JobSucceeded', now, result.decisions);
  } else {
    manageJob(job, state, ctx, result);
    if (isComplete(spec, state)) {
      setCondition(state, 'SuccessCriteriaMet', 'True', REASONS.completionsReached, now);
    } else {
      updateSuspendedCondition(spec, state, now);
      const start = startTimeMs(state);
      if (spec.activeDeadlineSeconds !== undefined && start !== undefined && !spec.suspend) {
        wakeAt(result, start + spec.activeDeadlineSeconds * 1000);
      }
    }
  }

  // The terminal condition only once every pod has stopped and been counted (2.10).
  if (state.pods.length === 0) {
    const target = findCondition(state, 'FailureTarget');
    const success = findCondition(state, 'SuccessCriteriaMet');
    if (target?.status === 'True') {
      setCondition(state, 'Failed', 'True', target, now);
      recordEvent(state, 'Warning', target.reason, target.message, now);
    } else if (success?.status === 'True') {
      setCondition(state, 'Complete', 'True', success, now);
      state.completionTime = iso(now);
      recordEvent(state, 'Normal', 'Completed', 'Job completed', now);
    }
  }
  if (isFinished(state)) result.wakeAt = undefined;
  return result;
}

/** A deterministic suffix source for the shell: Kubernetes' alphabet driven by any random() in [0,1). */
export function suffixFrom(random: () => number): () => string {
  return () => {
    let s = '';
    for (let i = 0; i < 5; i++) s += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)];
    return s;
  };
}
