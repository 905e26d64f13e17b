// A Job outlives any one workflow run: once a run's history is long, the loop drains (starts no pod,
// lets the running ones end and folds them in), waits for every handler to answer, and continues as
// new with the controller's state. Draining rather than handing running pods over: a closed run's
// activities can no longer complete against it, so a hand-over would need a route around Temporal for
// every pod's result. Drain costs at most the longest running pod's remaining time per run.
import { makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { stateToCarry } from '../controller';
import type { ContinueAsNewThresholds, JobInput, JobResult } from './messages';
import type { JobContext } from './job-context';

/**
 * Well inside Temporal's limits (warning at 10,240 events, failure at 51,200 events or 50 MB): the drain
 * still adds the running pods' events (about 3 each, at most MAX_PODS_IN_FLIGHT pods) after it begins.
 */
export const DEFAULT_THRESHOLDS: Required<ContinueAsNewThresholds> = { historyEvents: 8_000, historyBytes: 8 * 1024 * 1024 };

/** Log tails carried to the next run share this budget (the input's payload limit is 2 MB). */
const CARRIED_LOG_BUDGET = 256 * 1024;

/** The input's thresholds where they are positive numbers, the defaults elsewhere. */
export function thresholdsFrom(input: ContinueAsNewThresholds | undefined): Required<ContinueAsNewThresholds> {
  const pick = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);
  return {
    historyEvents: pick(input?.historyEvents, DEFAULT_THRESHOLDS.historyEvents),
    historyBytes: pick(input?.historyBytes, DEFAULT_THRESHOLDS.historyBytes),
  };
}

/**
 * A run that started no pod hands over only past this many events (updates and timers alone), so that
 * a threshold below what a run needs to get going can never make runs follow each other without progress.
 */
export const MIN_EVENTS_WITHOUT_PODS = 1_000;

/** Whether this run's history is long enough to hand the Job to a new run, given the pod runs it started. */
export function timeToHandOver(limits: Required<ContinueAsNewThresholds>, startedInRun: number): boolean {
  const info = workflowInfo();
  const long = info.continueAsNewSuggested || info.historyLength >= limits.historyEvents || info.historySize >= limits.historyBytes;
  return long && (startedInRun > 0 || info.historyLength >= MIN_EVENTS_WITHOUT_PODS);
}

/** Ends this run; the next one starts with the Job as it is now and the compacted controller state. */
export function continueWithNewRun(ctx: JobContext, limits: ContinueAsNewThresholds | undefined): Promise<never> {
  const info = workflowInfo();
  const next: JobInput = { job: ctx.job, state: stateToCarry(ctx.state, CARRIED_LOG_BUDGET) };
  if (limits !== undefined) next.continueAsNew = limits;
  // Memo (the Job as created) and search attributes (phase, labels) as this run has them, whatever the
  // server's defaults for a continued run are.
  return makeContinueAsNewFunc<(input: JobInput) => Promise<JobResult>>({ memo: info.memo, typedSearchAttributes: info.typedSearchAttributes })(next);
}
