// Delays before re-creating pods (JOB-SEMANTICS 2.6 with section A's 6-minute cap) and before an
// in-place container restart (section A's crash-loop delay for restartPolicy OnFailure).
import type { BackoffRecord } from './state';

export const POD_FAILURE_BACKOFF_BASE_MS = 10_000;
export const POD_FAILURE_BACKOFF_MAX_MS = 6 * 60_000;
export const CRASH_LOOP_BACKOFF_BASE_MS = 10_000;
export const CRASH_LOOP_BACKOFF_MAX_MS = 5 * 60_000;

/** base x 2^(n-1), capped; the doubling stops at the cap so large n never overflows. */
export function exponentialDelay(n: number, baseMs: number, maxMs: number): number {
  if (n <= 0) return 0;
  let delay = baseMs;
  for (let i = 1; i < n && delay < maxMs; i++) delay *= 2;
  return Math.min(delay, maxMs);
}

export function podFailureDelay(failures: number): number {
  return exponentialDelay(failures, POD_FAILURE_BACKOFF_BASE_MS, POD_FAILURE_BACKOFF_MAX_MS);
}

export function crashLoopDelay(restartCount: number): number {
  return exponentialDelay(restartCount, CRASH_LOOP_BACKOFF_BASE_MS, CRASH_LOOP_BACKOFF_MAX_MS);
}

/** Remaining wait before pods may be created again; 0 when none. */
export function remainingBackoff(record: BackoffRecord, now: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  const delay = podFailureDelay(record.failuresAfterLastSuccess);
  return Math.max(0, delay - (now - record.lastFailureTime));
}

/**
 * Folds one finished pod into the record. Events arrive one at a time in finish order, so
 * Kubernetes' "reset, then count only failures after the latest success" rule reduces to this.
 */
export function recordPodFinished(record: BackoffRecord, outcome: 'succeeded' | 'failed', finishedAt: number): BackoffRecord {
  if (outcome === 'succeeded') return { failuresAfterLastSuccess: 0 };
  return {
    failuresAfterLastSuccess: record.failuresAfterLastSuccess + 1,
    lastFailureTime: Math.max(finishedAt, record.lastFailureTime ?? finishedAt),
  };
}
