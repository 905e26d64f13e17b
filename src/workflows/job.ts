// The thin Temporal shell around the Job controller: one loop feeds it events and carries out its
// decisions. The parts it drives live beside it: messages (handlers.ts), pods (pod-dispatch.ts), how
// many pods may start (start-pacing.ts), the controller's wake time (wake-timer.ts), status
// (status-publishing.ts), the hand-over to a new run (continue-as-new.ts) and the Job's removal (ttl.ts).
import { CancellationScope, allHandlersFinished, condition, isCancellation, patched } from '@temporalio/workflow';
import { managedByOtherController } from '../api/managed-by';
import { apply, initialState, isFinished, reconcile, suffixFrom } from '../controller';
import type { JobInput, JobResult } from './messages';
import { snapshot, type JobContext } from './job-context';
import { registerHandlers } from './handlers';
import { PodDispatch } from './pod-dispatch';
import { StartPacing } from './start-pacing';
import { WakeTimer } from './wake-timer';
import { StatusPublisher, buildResult } from './status-publishing';
import { continueWithNewRun, thresholdsFrom, timeToHandOver } from './continue-as-new';
import { scheduleRemoval, ttlExpiry } from './ttl';
import { jobFailure } from './job-ending';
import { validateJobInput } from './input-validation';

/** The patch id of pod pacing and continue-as-new (see `patched`). */
const PACING_AND_CONTINUE_AS_NEW = 'pacing-and-continue-as-new';
/** The patch id of failing the workflow of a Failed Job (Jobs that ended before it returned their result). */
const FAILED_JOB_FAILS_WORKFLOW = 'failed-job-fails-workflow';
/** The patch id of leaving another controller's Job alone (spec.managedBy). */
const HONOUR_MANAGED_BY = 'honour-managed-by';
/** The patch id of the start input's validation: runs that began before it replay as they ran. */
const VALIDATED_INPUT = 'validated-input';
/** The patch id of the timer that continues a wide start on the next task (pods no longer signal each start). */
const NEXT_TASK_FOR_HELD_STARTS = 'next-task-for-held-starts';
/**
 * The patch id of timers that do not race: held starts wait for the pods' own news instead of a 1 ms
 * timer, and a replaced wake timer due soon fires into nothing instead of being cancelled (wake-timer.ts).
 */
const NO_RACING_TIMERS = 'no-racing-timers';

export async function job(raw: JobInput): Promise<JobResult> {
  // Anyone with Temporal access can start this workflow: an invalid Job or a forged carried-over state
  // fails the run at once (non-retryable, with the field path), before any pod starts.
  const input = patched(VALIDATED_INPUT) ? validateJobInput(raw) : raw;
  const ctx: JobContext = { job: input.job, state: input.state ?? initialState(), inbox: [], changes: 0, synced: 0 };
  const { state } = ctx;
  const randomSuffix = suffixFrom(Math.random);
  const pods = new PodDispatch(ctx);
  registerHandlers(ctx, pods);
  // The template cannot change once the Job exists (spec.template is immutable), so its size is known now.
  const pacing = new StartPacing(JSON.stringify(input.job.spec.template.spec).length);
  // Asked before the older patch: a run that has this one never asks for the 1 ms timer's.
  const calmTimers = patched(NO_RACING_TIMERS);
  const timer = new WakeTimer(calmTimers);
  const status = new StatusPublisher(ctx);
  const limits = thresholdsFrom(input.continueAsNew);
  /** Set once this run's history is long: no pod starts any more, and the run ends when none is left. */
  let draining = false;
  // Runs started before pacing and continue-as-new existed replay as they ran (their commands differ
  // once a Job is wide or long); every new run paces and hands over.
  const paced = patched(PACING_AND_CONTINUE_AS_NEW);
  // Asked only for such Jobs (managedBy is immutable), so other Jobs' histories carry no marker for it.
  const honourManagedBy = managedByOtherController(input.job.spec) && patched(HONOUR_MANAGED_BY);
  // Without the nudge, starts held by this task's cap go out on the next task all the same: each pod just
  // started brings one, with its start's announcement (within ANNOUNCE_AFTER_MS) or its result.
  const nudged = paced && !calmTimers && patched(NEXT_TASK_FOR_HELD_STARTS);

  /** Why the controller wants to wake (the timer's summary in the Web UI). */
  let wakeFor: string | undefined;
  /** One sync: fold in what happened, ask the controller, carry out its decisions. Returns its wake time. */
  const step = (): number | undefined => {
    for (let e = ctx.inbox.shift(); e; e = ctx.inbox.shift()) apply(ctx.job, state, e);
    const maxStarts = !paced ? undefined : draining ? 0 : pacing.budget(pods.size);
    const { decisions, wakeAt, wakeFor: why, startsHeld } = reconcile(ctx.job, state, { now: Date.now(), randomSuffix, maxStarts, honourManagedBy });
    wakeFor = why;
    pacing.started(decisions.filter((d) => d.type === 'runPod').length);
    pods.carryOut(decisions);
    status.publish();
    // Starts this task may not make wait for the next task.
    if (nudged && !draining && startsHeld && pacing.heldByTask(pods.size)) pacing.nextTask();
    return wakeAt;
  };
  // The run may end for the next one once nothing of it is pending: no pod, no update waiting for its answer.
  const drained = () => draining && pods.size === 0 && allHandlersFinished();

  try {
    for (;;) {
      const seen = ctx.changes;
      draining ||= paced && timeToHandOver(limits, pacing.startedInRun);
      const wakeAt = step();
      if (isFinished(state)) break;
      if (state.deletionTimestamp !== undefined && state.pods.length === 0 && pods.size === 0) break;
      const hasNews = () => ctx.inbox.length > 0 || ctx.changes !== seen || pacing.nextTaskCame;
      timer.set(wakeAt, wakeFor);
      ctx.synced = seen;
      if (hasNews()) {
        pacing.nextTaskCame = false;
        continue;
      }
      if (drained()) return await continueWithNewRun(ctx, input.continueAsNew);
      await condition(() => hasNews() || timer.fired || drained());
      timer.fired = false;
      pacing.nextTaskCame = false;
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelling the workflow cancels every pod scope; wait until their processes are gone.
      await CancellationScope.nonCancellable(() => condition(() => pods.size === 0));
    }
    throw err;
  }
  // Updates still waiting for their answer get it before the run closes.
  await condition(allHandlersFinished);
  const deleted = state.deletionTimestamp !== undefined;
  const removeAt = deleted ? Date.now() : ttlExpiry(ctx.job, state);
  if (removeAt !== undefined) await scheduleRemoval(removeAt, ctx.job.metadata.uid);
  const result = buildResult(snapshot(ctx), state);
  if (deleted) return { ...result, deleted };
  const failure = jobFailure(result);
  if (failure && patched(FAILED_JOB_FAILS_WORKFLOW)) throw failure;
  return result;
}
