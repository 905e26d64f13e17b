// Conditions, events and the JobStatus view (JOB-SEMANTICS 2.2, 2.10, 6.1, 6.2, 6.4).
import type { JobCondition, JobConditionType, JobSpec, JobStatus } from '../api/types';
import { isJobFinished } from '../api/conditions';
import { formatRanges } from '../api/indexes';
import { MAX_EVENTS, type JobState } from './state';

export const REASONS = {
  backoffLimitExceeded: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadlineExceeded: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
  completionsReached: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
  maxFailedIndexesExceeded: {
    reason: 'MaxFailedIndexesExceeded',
    message: 'Job has exceeded the specified maximal number of failed indexes',
  },
  failedIndexes: { reason: 'FailedIndexes', message: 'Job has failed indexes' },
  podFailurePolicy: 'PodFailurePolicy',
  successPolicy: 'SuccessPolicy',
} as const;

export interface ReasonMessage {
  reason: string;
  message: string;
}

/** Millisecond precision on purpose: deadlines and backoff gaps are computed back from these. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function findCondition(state: JobState, type: JobConditionType): JobCondition | undefined {
  return state.conditions.find((c) => c.type === type);
}

export function isConditionTrue(state: JobState, type: JobConditionType): boolean {
  return findCondition(state, type)?.status === 'True';
}

export function isFinished(state: JobState): boolean {
  return isJobFinished(state);
}

/**
 * Sets a condition the way Kubernetes' ensureJobConditionStatus does: the same status, reason and
 * message is a no-op; a False condition is never added from nothing. Returns whether anything changed.
 */
export function setCondition(
  state: JobState,
  type: JobConditionType,
  status: 'True' | 'False',
  rm: ReasonMessage,
  now: number,
): boolean {
  const existing = findCondition(state, type);
  if (!existing) {
    if (status === 'False') return false;
    const at = iso(now);
    state.conditions.push({ type, status, reason: rm.reason, message: rm.message, lastProbeTime: at, lastTransitionTime: at });
    return true;
  }
  if (existing.status === status && existing.reason === rm.reason && existing.message === rm.message) return false;
  const at = iso(now);
  if (existing.status !== status) existing.lastTransitionTime = at;
  existing.lastProbeTime = at;
  existing.status = status;
  existing.reason = rm.reason;
  existing.message = rm.message;
  return true;
}

export function recordEvent(state: JobState, type: 'Normal' | 'Warning', reason: string, message: string, now: number): void {
  const at = iso(now);
  const last = state.events[state.events.length - 1];
  // Kubernetes' event recorder folds repeats into one event with a count; so do we.
  if (last && last.type === type && last.reason === reason && last.message === message) {
    last.count += 1;
    last.lastTimestamp = at;
    return;
  }
  state.events.push({ type, reason, message, firstTimestamp: at, lastTimestamp: at, count: 1 });
  if (state.events.length > MAX_EVENTS) {
    state.eventsDropped += state.events.length - MAX_EVENTS;
    state.events.splice(0, state.events.length - MAX_EVENTS);
  }
}

export function activePods(state: JobState) {
  return state.pods.filter((p) => !p.deletion);
}

export function computeStatus(spec: JobSpec, state: JobState): JobStatus {
  const active = activePods(state).length;
  const status: JobStatus = {
    active,
    // No probes: a pod is ready once its containers have started (section A).
    ready: activePods(state).filter((p) => p.running && p.phase === 'Running').length,
    terminating: state.pods.length - active,
    succeeded: state.succeeded,
    failed: state.failed,
    conditions: state.conditions.map((c) => ({ ...c })),
  };
  if (state.startTime) status.startTime = state.startTime;
  if (state.completionTime) status.completionTime = state.completionTime;
  if (spec.completionMode === 'Indexed') status.completedIndexes = formatRanges(state.completedIndexes);
  if (spec.backoffLimitPerIndex !== undefined) status.failedIndexes = formatRanges(state.failedIndexes);
  return status;
}
