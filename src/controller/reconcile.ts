// The Job controller: Kubernetes' syncJob as a deterministic function of (Job, state, now).
// `apply` folds what happened to a pod into the state; `reconcile` decides what to do next.
// Both mutate the state they are given (the workflow shell owns it) and touch nothing else.
import type { Job, JobSpec } from '../api/types';
import { addIndex, countIndexes, firstMissingIndexes, hasIndex, rangesFromIndexes, unionRanges } from '../api/indexes';
import { managedByOtherController } from '../api/managed-by';
import { runtimeWarnings } from '../api/runtime-warnings';
import { crashLoopDelay, podFailureDelay, recordPodFinished, remainingBackoff } from './backoff';
import { matchPodFailurePolicy, type PodFailurePolicyAction } from './pod-failure-policy';
import { matchSuccessPolicy } from './success-policy';
import { evictionCondition } from './pod-deletion';
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
  type IndexFailureRecord,
  type JobState,
  type PodRecord,
  type PodRunOutcome,
  type ReconcileContext,
  type ReconcileResult,
} from './state';

const POD_DEADLINE_REASON = 'DeadlineExceeded';

/** Folds what happened to a pod into the state. The Job's namespace is part of the failure policy's messages. */
export function apply(job: Job, state: JobState, event: ControllerEvent): void {
  const { spec } = job;
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
      recordRun(state, pod, result, event.at);
      if (pod.deletion) return endDeleted(job, state, pod, result.phase, event.at);
      if (result.phase === 'Succeeded') return podSucceeded(spec, state, pod, event.at);
      if (spec.template.spec.restartPolicy === 'OnFailure' && result.reason !== POD_DEADLINE_REASON) {
        // The kubelet restarts the failed container in place after its crash-loop delay.
        pod.restartCount += 1;
        pod.restartAt = event.at + crashLoopDelay(pod.restartCount);
        return;
      }
      return podFailed(job, state, pod, event.at);
    }
    case 'podDisrupted':
      pod.running = false;
      if (pod.deletion && !awaitsCount(pod)) return finishDeleted(state, pod, 'Failed', event.at);
      pod.reason = 'WorkerLost';
      pod.message = event.message;
      // An evicted pod keeps the eviction's DisruptionTarget: the pod has one condition of each type.
      pod.conditions ??= [
        { type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost', message: event.message, lastTransitionTime: iso(event.at) },
      ];
      return podFailed(job, state, pod, event.at);
    case 'podCancelled':
      pod.running = false;
      // A killed pod keeps its exit codes and log tails, as a deleted pod's status shows them.
      if (event.result) recordRun(state, pod, event.result, event.at);
      if (pod.deletion) return endDeleted(job, state, pod, event.result?.phase ?? 'Failed', event.at);
      // Nobody but the controller cancels a pod; if it happens anyway, the pod did not succeed.
      return podFailed(job, state, pod, event.at);
    case 'podDeleted':
      return deletedFromOutside(job, state, pod, event.at, event.gracePeriodSeconds, event.eviction === true);
  }
}

/**
 * A user deleted (or evicted) the pod. It stops being active at once and is terminated gracefully. Under
 * podReplacementPolicy TerminatingOrFailed it counts as failed the moment it starts terminating, even if
 * it then ends Succeeded, and its replacement waits only for the failure backoff (2.13, 2.6). Under
 * Failed it is neither counted nor replaced until its process has ended; then it counts as what it ended
 * as, and the podFailurePolicy judges a failure only then (4.1): an eviction's DisruptionTarget can match.
 */
function deletedFromOutside(job: Job, state: JobState, pod: PodRecord, at: number, gracePeriodSeconds: number | undefined, eviction: boolean): void {
  // Deleting a terminating pod again changes nothing (its termination is already under way).
  if (pod.deletion) return;
  const { spec } = job;
  if (eviction) pod.conditions = [...(pod.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), evictionCondition(at)];
  pod.deletion = { cause: 'External', at: iso(at), stopPending: true };
  if (gracePeriodSeconds !== undefined) pod.deletion.gracePeriodSeconds = gracePeriodSeconds;
  if (spec.podReplacementPolicy !== 'Failed') {
    pod.deletion.counted = true;
    state.failed += 1;
    state.backoff = recordPodFinished(state.backoff, 'failed', at);
    if (spec.backoffLimitPerIndex !== undefined && pod.index !== undefined) indexFailed(spec, state, pod.index, pod, 'Count', at);
  }
  // Waiting for an in-place restart: no process exists, so the pod is gone at once.
  if (!pod.running) {
    delete pod.deletion.stopPending;
    endDeleted(job, state, pod, 'Failed', at);
  }
}

/** An external deletion under podReplacementPolicy Failed: counted only once the pod has ended. */
function awaitsCount(pod: PodRecord): boolean {
  return pod.deletion?.cause === 'External' && pod.deletion.counted !== true;
}

/** A deleted pod's process is gone: counted now if its deletion was not counted when it began. */
function endDeleted(job: Job, state: JobState, pod: PodRecord, phase: 'Succeeded' | 'Failed', at: number): void {
  if (!awaitsCount(pod)) return finishDeleted(state, pod, phase, at);
  if (phase === 'Succeeded') return podSucceeded(job.spec, state, pod, at);
  return podFailed(job, state, pod, at);
}

/** What one run of the pod's containers reported; the run before an in-place restart is kept too. */
function recordRun(state: JobState, pod: PodRecord, result: PodRunOutcome, at: number): void {
  // The kubelet's image events are the pod's; here they are the Job's, naming the pod.
  for (const c of result.containers) {
    const pull = c.imagePull;
    if (pull?.outcome === 'Failed') recordEvent(state, 'Warning', 'ErrImagePull', `Failed to pull image "${pull.image}" for pod ${pod.name}: ${pull.message ?? 'unknown error'}`, at);
    else if (pull?.outcome === 'Pulled') recordEvent(state, 'Normal', 'Pulled', `Successfully pulled image "${pull.image}" for pod ${pod.name}`, at);
  }
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
      state.indexFailures = state.indexFailures.filter((r) => r.index !== pod.index);
    }
  } else {
    state.succeeded += 1;
  }
  state.backoff = recordPodFinished(state.backoff, 'succeeded', at);
  retire(state, pod, at);
}

function podFailed(job: Job, state: JobState, pod: PodRecord, at: number): void {
  const { spec } = job;
  pod.phase = 'Failed';
  const match = matchPodFailurePolicy(spec.podFailurePolicy, job.metadata.namespace, pod);
  if (match) pod.podFailurePolicyAction = match.action;
  const action: PodFailurePolicyAction = match?.action ?? 'Count';
  // Ignored failures do not count (4.3)...
  if (action !== 'Ignore') state.failed += 1;
  if (match?.action === 'FailJob') state.failJobMessage ??= match.message;
  // ...but they still lengthen the delay before pods are re-created (2.6).
  state.backoff = recordPodFinished(state.backoff, 'failed', at);
  if (spec.backoffLimitPerIndex !== undefined && pod.index !== undefined) indexFailed(spec, state, pod.index, pod, action, at);
  retire(state, pod, at);
}

/** backoffLimitPerIndex (3): the index fails for good, or waits for a replacement that carries its counts. */
function indexFailed(spec: JobSpec, state: JobState, index: number, pod: PodRecord, action: PodFailurePolicyAction, at: number): void {
  if (index >= (spec.completions ?? 0) || hasIndex(state.completedIndexes, index) || hasIndex(state.failedIndexes, index)) return;
  const others = state.indexFailures.filter((r) => r.index !== index);
  const failed = pod.indexFailureCount ?? 0;
  const ignored = pod.indexIgnoredFailureCount ?? 0;
  if (action === 'FailIndex' || (action !== 'Ignore' && failed >= (spec.backoffLimitPerIndex ?? 0))) {
    state.failedIndexes = addIndex(state.failedIndexes, index);
    state.indexFailures = others;
    return;
  }
  const record: IndexFailureRecord =
    action === 'Ignore' ? { index, failed, ignored: ignored + 1, lastFailureTime: at } : { index, failed: failed + 1, ignored, lastFailureTime: at };
  state.indexFailures = [...others, record];
}

/** Epoch ms from which an index waiting for its replacement may get one (per-index backoff, 2.6). */
function indexReadyAt(r: IndexFailureRecord): number {
  return r.lastFailureTime + podFailureDelay(r.failed + r.ignored);
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

/** The finishing failure of 2.2 step 5, in its order: FailJob, backoffLimit, deadline, failed indexes. */
function failureCriterion(spec: JobSpec, state: JobState, now: number): ReasonMessage | undefined {
  if (state.failJobMessage !== undefined) return { reason: REASONS.podFailurePolicy, message: state.failJobMessage };
  if (state.failed > spec.backoffLimit) return REASONS.backoffLimitExceeded;
  if (spec.template.spec.restartPolicy === 'OnFailure') {
    const restarts = activePods(state).reduce((sum, p) => sum + p.restartCount, 0);
    const limit = spec.backoffLimit;
    if (limit === 0 ? restarts > 0 : restarts >= limit) return REASONS.backoffLimitExceeded;
  }
  if (pastActiveDeadline(spec, state, now)) return REASONS.deadlineExceeded;
  if (spec.backoffLimitPerIndex !== undefined) {
    const failedIndexes = countIndexes(state.failedIndexes);
    if (spec.maxFailedIndexes !== undefined && failedIndexes > spec.maxFailedIndexes) return REASONS.maxFailedIndexesExceeded;
    // Every index ran to its end and some failed: only then does the Job fail (3).
    if (failedIndexes > 0 && failedIndexes + countIndexes(state.completedIndexes) >= (spec.completions ?? 0)) return REASONS.failedIndexes;
  }
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

  restartWaitingPods(state, ctx, result);

  const terminating = state.pods.length - active.length;
  const wanted = want - active.length - (spec.podReplacementPolicy === 'Failed' ? terminating : 0);
  if (wanted <= 0) return;
  const diff = Math.min(wanted, startBudget(ctx, result));
  if (diff < wanted) result.startsHeld = true;
  if (diff <= 0) return;
  const perIndex = spec.backoffLimitPerIndex !== undefined;
  // With backoffLimitPerIndex each index waits on its own backoff instead of the Job-wide one (2.4).
  const wait = perIndex ? 0 : remainingBackoff(state.backoff, now);
  if (wait > 0) {
    const failures = state.backoff.failuresAfterLastSuccess;
    wakeAt(result, now + wait, `backoff ${seconds(podFailureDelay(failures))} before retry ${failures}`);
    return;
  }
  let indexes: Array<number | undefined>;
  if (spec.completionMode === 'Indexed') {
    const taken = new Set<number>();
    for (const p of state.pods) {
      if (p.index !== undefined && (!p.deletion || spec.podReplacementPolicy === 'Failed')) taken.add(p.index);
    }
    const waiting = state.indexFailures.filter((r) => indexReadyAt(r) > now);
    for (const r of waiting) wakeAt(result, indexReadyAt(r), `backoff ${seconds(podFailureDelay(r.failed + r.ignored))} before retry ${r.failed + r.ignored} of index ${r.index}`);
    const excluded = unionRanges(state.failedIndexes, rangesFromIndexes(waiting.map((r) => r.index)));
    indexes = firstMissingIndexes(diff, spec.completions ?? 0, state.completedIndexes, rangesFromIndexes(taken), excluded);
  } else {
    indexes = Array.from({ length: diff }, () => undefined);
  }
  for (const index of indexes) createPod(job, state, index, ctx, result);
}

function createPod(job: Job, state: JobState, index: number | undefined, ctx: ReconcileContext, result: ReconcileResult): void {
  const { now } = ctx;
  const name = uniqueSuffix(state, job.metadata.name, index, ctx);
  const pod: PodRecord = { name, phase: 'Pending', restartCount: 0, creationTimestamp: iso(now), running: true };
  const decision: Extract<ReconcileResult['decisions'][number], { type: 'runPod' }> = { type: 'runPod', pod: name, restartCount: 0 };
  if (index !== undefined) {
    pod.index = index;
    decision.index = index;
    if (job.spec.backoffLimitPerIndex !== undefined) {
      // The replacement inherits its index's failure counts as annotations (3).
      const record = state.indexFailures.find((r) => r.index === index);
      pod.indexFailureCount = record?.failed ?? 0;
      decision.indexFailureCount = pod.indexFailureCount;
      if (record && record.ignored > 0) {
        pod.indexIgnoredFailureCount = record.ignored;
        decision.indexIgnoredFailureCount = record.ignored;
      }
      state.indexFailures = state.indexFailures.filter((r) => r.index !== index);
    }
  }
  state.pods.push(pod);
  state.podsCreated += 1;
  recordEvent(state, 'Normal', 'SuccessfulCreate', `Created pod: ${name}`, now);
  result.decisions.push(decision);
}

/** How many more pod runs this sync may start under `ctx.maxStarts`. */
function startBudget(ctx: ReconcileContext, result: ReconcileResult): number {
  if (ctx.maxStarts === undefined) return Infinity;
  const started = result.decisions.filter((d) => d.type === 'runPod').length;
  return Math.max(0, ctx.maxStarts - started);
}

function restartWaitingPods(state: JobState, ctx: ReconcileContext, result: ReconcileResult): void {
  const { now } = ctx;
  let budget = startBudget(ctx, result);
  for (const p of activePods(state)) {
    if (p.running || p.restartAt === undefined) continue;
    if (p.restartAt > now) {
      wakeAt(result, p.restartAt, `back-off ${seconds(crashLoopDelay(p.restartCount))} restarting pod ${p.name} (restart ${p.restartCount})`);
      continue;
    }
    if (budget === 0) {
      result.startsHeld = true;
      continue;
    }
    budget -= 1;
    p.restartAt = undefined;
    p.running = true;
    p.phase = 'Pending';
    const decision: Extract<ReconcileResult['decisions'][number], { type: 'runPod' }> = { type: 'runPod', pod: p.name, restartCount: p.restartCount };
    if (p.index !== undefined) decision.index = p.index;
    if (p.indexFailureCount !== undefined) decision.indexFailureCount = p.indexFailureCount;
    if (p.indexIgnoredFailureCount !== undefined) decision.indexIgnoredFailureCount = p.indexIgnoredFailureCount;
    result.decisions.push(decision);
  }
}

/** Keeps the earliest wake time, and why the controller wants it (the Web UI's timer summary). */
function wakeAt(result: ReconcileResult, at: number, why: string): void {
  if (result.wakeAt === undefined || at < result.wakeAt) {
    result.wakeAt = at;
    result.wakeFor = why;
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
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
  // Pods deleted from outside since the last sync: their runs are stopped whatever else happens.
  for (const p of state.pods) {
    if (!p.deletion?.stopPending) continue;
    delete p.deletion.stopPending;
    result.decisions.push({ type: 'deletePod', pod: p.name });
  }
  if (state.deletionTimestamp !== undefined) {
    // A deleted Job only takes its pods down; it never reaches a terminal condition.
    for (const p of activePods(state)) deletePod(state, p, 'JobDeleted', now, result.decisions);
    return result;
  }
  if (isFinished(state)) return result;
  // Another controller's Job: no pods, no status (not even startTime or Suspended), as Kubernetes leaves it.
  if (ctx.honourManagedBy && managedByOtherController(spec)) return result;

  if (state.startTime === undefined && !spec.suspend) {
    state.startTime = iso(now);
    // Once per Job (startTime is carried over by continue-as-new): what its pods will meet on their runtime.
    for (const w of runtimeWarnings(spec.template.spec)) recordEvent(state, 'Warning', w.reason, w.message, now);
  }
  // A resumed Job's deadline counts from the resume (2.8), so the old startTime must not fail it first.
  if (!spec.suspend && isConditionTrue(state, 'Suspended')) state.startTime = iso(now);

  let failureDecided = isConditionTrue(state, 'FailureTarget');
  let successDecided = isConditionTrue(state, 'SuccessCriteriaMet');
  if (!successDecided && !failureDecided) {
    const failure = failureCriterion(spec, state, now);
    if (failure) {
      setCondition(state, 'FailureTarget', 'True', failure, now);
      failureDecided = true;
    } else if (spec.completionMode === 'Indexed' && spec.successPolicy) {
      // After every failure criterion, so that a failure in the same sync wins (2.9).
      const message = matchSuccessPolicy(spec.successPolicy, spec.completions ?? 0, state.completedIndexes);
      if (message) {
        setCondition(state, 'SuccessCriteriaMet', 'True', { reason: REASONS.successPolicy, message }, now);
        successDecided = true;
      }
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
        wakeAt(result, start + spec.activeDeadlineSeconds * 1000, `activeDeadlineSeconds (${spec.activeDeadlineSeconds}s)`);
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
  if (isFinished(state)) {
    result.wakeAt = undefined;
    result.wakeFor = undefined;
  }
  return result;
}

/**
 * Folds an accepted spec change into the state. Elastic Indexed scale-down (2.12): indexes at or above
 * the new completions drop out of the completed and failed sets, so `succeeded` can go down.
 */
export function applySpecChange(before: JobSpec, after: JobSpec, state: JobState): void {
  if (after.completionMode !== 'Indexed' || after.completions === null || after.completions === before.completions) return;
  const limit = after.completions;
  const clip = (ranges: JobState['completedIndexes']) =>
    ranges.filter(([a]) => a < limit).map(([a, b]): [number, number] => [a, Math.min(b, limit - 1)]);
  state.completedIndexes = clip(state.completedIndexes);
  state.failedIndexes = clip(state.failedIndexes);
  state.indexFailures = state.indexFailures.filter((r) => r.index < limit);
  state.succeeded = countIndexes(state.completedIndexes);
}

/** A deterministic suffix source for the shell: Kubernetes' alphabet driven by any random() in [0,1). */
export function suffixFrom(random: () => number): () => string {
  return () => {
    let s = '';
    for (let i = 0; i < 5; i++) s += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)];
    return s;
  };
}
