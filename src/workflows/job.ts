// The thin Temporal shell around the Job controller: one loop feeds it events and carries out its
// decisions. The parts it drives live beside it: messages (handlers.ts), pods (pod-dispatch.ts), the
// controller's wake time (wake-timer.ts), status (status-publishing.ts) and the Job's removal (ttl.ts).
import { CancellationScope, allHandlersFinished, condition, isCancellation } from '@temporalio/workflow';
import { apply, initialState, isFinished, reconcile, suffixFrom } from '../controller';
import type { JobInput, JobResult } from './messages';
import { snapshot, type JobContext } from './job-context';
import { registerHandlers } from './handlers';
import { PodDispatch } from './pod-dispatch';
import { WakeTimer } from './wake-timer';
import { StatusPublisher, buildResult } from './status-publishing';
import { scheduleRemoval, ttlExpiry } from './ttl';

export async function job(input: JobInput): Promise<JobResult> {
  const ctx: JobContext = { job: input.job, state: input.state ?? initialState(), inbox: [], changes: 0, synced: 0 };
  const { state } = ctx;
  const randomSuffix = suffixFrom(Math.random);
  const pods = new PodDispatch(ctx);
  registerHandlers(ctx, pods);
  const timer = new WakeTimer();
  const status = new StatusPublisher(ctx);

  /** One sync: fold in what happened, ask the controller, carry out its decisions. Returns its wake time. */
  const step = (): number | undefined => {
    for (let e = ctx.inbox.shift(); e; e = ctx.inbox.shift()) apply(ctx.job, state, e);
    const { decisions, wakeAt } = reconcile(ctx.job, state, { now: Date.now(), randomSuffix });
    pods.carryOut(decisions);
    status.publish();
    return wakeAt;
  };

  try {
    for (;;) {
      const seen = ctx.changes;
      const wakeAt = step();
      if (isFinished(state)) break;
      if (state.deletionTimestamp !== undefined && state.pods.length === 0 && pods.size === 0) break;
      const hasNews = () => ctx.inbox.length > 0 || ctx.changes !== seen;
      timer.set(wakeAt);
      ctx.synced = seen;
      if (hasNews()) continue;
      await condition(() => hasNews() || timer.fired);
      timer.fired = false;
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
  if (removeAt !== undefined) await scheduleRemoval(removeAt);
  const result = buildResult(snapshot(ctx), state);
  return deleted ? { ...result, deleted } : result;
}
