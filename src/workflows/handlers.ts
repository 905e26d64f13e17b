// The Job's messages: queries read the state, the pods' start signals feed the inbox, and updates change
// the Job. Every change is validated synchronously (a refusal changes nothing and reaches the caller at
// once), then applied; the loop carries it out and the handler answers once it has. Handlers issue no
// commands, and complete only after the loop's commands for the change: a live run and its replay
// (after a worker restart) order an update's completion differently relative to anything else.
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { Job } from '../api/types';
import { JobValidationError } from '../api/errors';
import { updateJob } from '../api/update';
import { applySpecChange, computeStatus, isFinished, podDeletionProblem, type JobState, type PodRecord } from '../controller';
import {
  POD_NOT_FOUND,
  UPDATE_REJECTED,
  deletePodUpdate,
  deleteUpdate,
  podGracePeriodQuery,
  eventsQuery,
  jobQuery,
  patchUpdate,
  podStartedSignal,
  podsQuery,
  podsStartedSignal,
  resumeUpdate,
  scaleUpdate,
  statusQuery,
  suspendUpdate,
  type JobMergePatch,
  type JobWithStatus,
  type PodsPage,
  type PodsQueryArgs,
  type PodDeletionRequest,
  type PodsStarted,
  type ScaleRequest,
} from './messages';
import { snapshot, type JobContext } from './job-context';
import { isPodStarted, mergePatchProblem, pageOf, podDeletionRequestProblem, podStartedProblem, podsQueryProblem, scaleRequestProblem } from './message-validation';
import type { PodDispatch } from './pod-dispatch';

const SUSPEND: JobMergePatch = { spec: { suspend: true } };
const RESUME: JobMergePatch = { spec: { suspend: false } };

export function registerHandlers(ctx: JobContext, pods: PodDispatch): void {
  const { state } = ctx;
  setHandler(statusQuery, () => computeStatus(ctx.job.spec, state));
  setHandler(jobQuery, () => snapshot(ctx));
  setHandler(podsQuery, (args?: PodsQueryArgs) => {
    const problem = podsQueryProblem(args);
    if (problem !== undefined) throw ApplicationFailure.nonRetryable(problem, INVALID_ARGUMENT);
    return pagePods(state, args);
  });
  setHandler(eventsQuery, () => state.events);
  setHandler(podGracePeriodQuery, (pod: unknown) => {
    const p = typeof pod === 'string' ? state.pods.find((x) => x.name === pod) : undefined;
    return p?.deletion?.gracePeriodSeconds ?? null;
  });
  setHandler(podStartedSignal, (arg: unknown) => {
    // A signal cannot be refused: one that is not what the worker sends is dropped, never fatal.
    if (!isPodStarted(arg)) return void log.warn('dropped a podStarted signal', { problem: podStartedProblem(arg) });
    ctx.inbox.push({ type: 'podStarted', pod: arg.pod, worker: arg.worker, at: Date.now() });
  });
  setHandler(podsStartedSignal, (arg: unknown) => {
    // Dropped, never fatal, like podStarted: a null or forged payload must not wedge the Job.
    const { pods: started, worker } = (typeof arg === 'object' && arg !== null ? arg : {}) as Partial<PodsStarted>;
    if (!Array.isArray(started) || typeof worker !== 'string') return void log.warn('dropped a podsStarted signal', { problem: 'expected {pods: [...], worker: string}' });
    for (const entry of started as unknown[]) {
      const { pod, startedAt } = (entry ?? {}) as Partial<PodsStarted['pods'][number]>;
      if (typeof pod !== 'string') continue;
      // The worker's clock says when the pod started; the workflow's, only when it heard of it.
      const at = typeof startedAt === 'string' ? Date.parse(startedAt) : NaN;
      ctx.inbox.push({ type: 'podStarted', pod, worker, at: Number.isFinite(at) ? at : Date.now() });
    }
  });

  const check = (patch: JobMergePatch): Job => {
    const problem = mergePatchProblem(patch);
    if (problem !== undefined) throw ApplicationFailure.nonRetryable(problem, UPDATE_REJECTED.invalid);
    rejectIfClosing(ctx);
    try {
      return updateJob(ctx.job, patch, { started: state.startTime !== undefined });
    } catch (err) {
      if (err instanceof JobValidationError) throw ApplicationFailure.nonRetryable(err.message, UPDATE_REJECTED.invalid, err.toStatus());
      throw err;
    }
  };
  const change = async (patch: JobMergePatch): Promise<JobWithStatus> => {
    const next = check(patch);
    applySpecChange(ctx.job.spec, next.spec, state);
    ctx.job = next;
    const mine = ++ctx.changes;
    await condition(() => ctx.synced >= mine || isFinished(state));
    return snapshot(ctx);
  };
  setHandler(patchUpdate, change, { validator: (p) => void check(p) });
  setHandler(suspendUpdate, () => change(SUSPEND), { validator: () => void check(SUSPEND) });
  setHandler(resumeUpdate, () => change(RESUME), { validator: () => void check(RESUME) });
  setHandler(scaleUpdate, (r) => change(scalePatch(r)), {
    validator: (r: unknown) => {
      const problem = scaleRequestProblem(r);
      if (problem !== undefined) throw ApplicationFailure.nonRetryable(problem, UPDATE_REJECTED.invalid);
      check(scalePatch(r as ScaleRequest));
    },
  });
  setHandler(
    deletePodUpdate,
    async (request: PodDeletionRequest): Promise<PodRecord> => {
      // No patch marker: runs from before this handler cannot hold a deletePod update, and the controller
      // changes only what such an update sets in motion, so nothing a recorded history replays differs.
      const { pod } = request;
      // The validator found it among the unfinished pods; the same record moves to the finished ones.
      const record = state.pods.find((p) => p.name === pod) as PodRecord;
      ctx.inbox.push({ type: 'podDeleted', pod, at: Date.now(), gracePeriodSeconds: request.gracePeriodSeconds, eviction: request.eviction === true });
      const mine = ++ctx.changes;
      // As kubectl waits for a deleted pod to be gone, this returns once the loop has folded in its end.
      await condition(() => !state.pods.some((p) => p.name === pod) && (ctx.synced >= mine || isFinished(state) || state.deletionTimestamp !== undefined));
      return { ...record };
    },
    {
      validator: (request: unknown) => {
        const problem = podDeletionRequestProblem(request);
        if (problem !== undefined) throw ApplicationFailure.nonRetryable(problem, UPDATE_REJECTED.invalid);
        rejectIfClosing(ctx);
        const missing = podDeletionProblem(state, (request as PodDeletionRequest).pod);
        if (missing !== undefined) throw ApplicationFailure.nonRetryable(missing, POD_NOT_FOUND);
      },
    },
  );
  setHandler(
    deleteUpdate,
    async () => {
      state.deletionTimestamp ??= new Date(Date.now()).toISOString();
      ctx.changes++;
      // kubectl delete waits for the pods to be gone; so does this update. It completes only after the
      // loop has folded in the last pod and stopped, so nothing else races its completion.
      await condition(() => state.pods.length === 0 && pods.size === 0);
      return snapshot(ctx);
    },
    {
      validator: () => {
        if (isFinished(state)) throw finishedFailure(ctx.job);
      },
    },
  );
}

/** ApplicationFailure type of a query whose argument is not what the query takes. */
const INVALID_ARGUMENT = 'InvalidArgument';

function rejectIfClosing(ctx: JobContext): void {
  if (ctx.state.deletionTimestamp !== undefined)
    throw ApplicationFailure.nonRetryable(`Job ${JSON.stringify(ctx.job.metadata.name)} is being deleted`, UPDATE_REJECTED.deleting);
  if (isFinished(ctx.state)) throw finishedFailure(ctx.job);
}

function finishedFailure(job: Job): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Job ${JSON.stringify(job.metadata.name)} has already finished`, UPDATE_REJECTED.finished);
}

function scalePatch(r: ScaleRequest): JobMergePatch {
  return { spec: r.completions === undefined ? { parallelism: r.parallelism } : { parallelism: r.parallelism, completions: r.completions } };
}

function pagePods(state: JobState, args?: PodsQueryArgs): PodsPage {
  const all = [...state.finishedPods, ...state.pods];
  const { offset, limit } = pageOf(args);
  return { items: all.slice(offset, offset + limit), total: all.length, dropped: state.finishedPodsDropped };
}
