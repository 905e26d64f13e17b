// The thin Temporal shell around the Job controller: feed it events, carry out its decisions.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ParentClosePolicy,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunPodInput, RunPodResult } from '../api/pod';
import type { Job } from '../api/types';
import { JobValidationError } from '../api/errors';
import { updateJob } from '../api/update';
import { podTaskQueue } from '../api/task-queues';
import { finishedCondition } from '../api/conditions';
import {
  apply,
  applySpecChange,
  computeStatus,
  initialState,
  isFinished,
  podIdentity,
  reconcile,
  suffixFrom,
  type ControllerEvent,
  type Decision,
  type JobState,
  type PodRecord,
} from '../controller';
import {
  JOB_REMOVAL_WORKFLOW_TYPE,
  UPDATE_REJECTED,
  deleteUpdate,
  eventsQuery,
  jobQuery,
  jobRemovalWorkflowId,
  patchUpdate,
  podStartedSignal,
  podsQuery,
  resumeUpdate,
  scaleUpdate,
  statusQuery,
  suspendUpdate,
  type JobInput,
  type JobMergePatch,
  type JobRemovalInput,
  type JobResult,
  type JobWithStatus,
  type PodsPage,
  type PodsQueryArgs,
  type ScaleRequest,
} from './messages';
import { JOB_LABELS, JOB_PHASE, jobPhase, labelEntries } from './search-attributes';

interface PodActivities {
  runPod(input: RunPodInput): Promise<RunPodResult>;
}

const { runPod } = proxyActivities<PodActivities>({
  // A pod may legitimately run for days; a dead worker is caught by the heartbeat timeout instead.
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '20 seconds',
  // The controller owns retries: it must see every failure to count it against backoffLimit.
  retry: { maximumAttempts: 1 },
  // The default (TRY_CANCEL) would let a pod's process outlive its cancellation (TEMPORAL-NOTES).
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Keeps the workflow result far below the 2 MB payload limit whatever the pods printed. */
const RESULT_LOG_BUDGET = 512 * 1024;

export async function job(input: JobInput): Promise<JobResult> {
  // The Job changes under updates (patch, scale, suspend); everything reads it through `theJob`.
  let theJob: Job = input.job;
  const state: JobState = input.state ?? initialState();
  const inbox: ControllerEvent[] = [];
  const inFlight = new Map<string, CancellationScope>();
  const randomSuffix = suffixFrom(Math.random);
  /** Bumped by every accepted change; `synced` catches up once the loop has issued its commands for it. */
  let changes = 0;
  let synced = 0;

  const snapshot = (): JobWithStatus => ({ ...theJob, status: computeStatus(theJob.spec, state) });
  setHandler(statusQuery, () => computeStatus(theJob.spec, state));
  setHandler(jobQuery, snapshot);
  setHandler(podsQuery, (args?: PodsQueryArgs) => pagePods(state, args));
  setHandler(eventsQuery, () => state.events);
  setHandler(podStartedSignal, ({ pod, worker }) => {
    inbox.push({ type: 'podStarted', pod, worker, at: Date.now() });
  });

  // Every change is validated synchronously (a refusal changes nothing and reaches the caller at once),
  // then applied; the loop carries it out and the handler answers once it has. Handlers issue no
  // commands, and complete only after the loop's commands for the change: a live run and its replay
  // (after a worker restart) order an update's completion differently relative to anything else.
  const check = (patch: JobMergePatch): Job => {
    rejectIfClosing();
    try {
      return updateJob(theJob, patch, { started: state.startTime !== undefined });
    } catch (err) {
      if (err instanceof JobValidationError) throw ApplicationFailure.nonRetryable(err.message, UPDATE_REJECTED.invalid, err.toStatus());
      throw err;
    }
  };
  const change = async (patch: JobMergePatch): Promise<JobWithStatus> => {
    const next = check(patch);
    applySpecChange(theJob.spec, next.spec, state);
    theJob = next;
    const mine = ++changes;
    await condition(() => synced >= mine || isFinished(state));
    return snapshot();
  };
  const rejectIfClosing = () => {
    if (state.deletionTimestamp !== undefined)
      throw ApplicationFailure.nonRetryable(`Job ${JSON.stringify(theJob.metadata.name)} is being deleted`, UPDATE_REJECTED.deleting);
    if (isFinished(state))
      throw ApplicationFailure.nonRetryable(`Job ${JSON.stringify(theJob.metadata.name)} has already finished`, UPDATE_REJECTED.finished);
  };
  const scalePatch = (r: ScaleRequest): JobMergePatch => ({
    spec: r.completions === undefined ? { parallelism: r.parallelism } : { parallelism: r.parallelism, completions: r.completions },
  });
  const SUSPEND: JobMergePatch = { spec: { suspend: true } };
  const RESUME: JobMergePatch = { spec: { suspend: false } };
  setHandler(patchUpdate, change, { validator: (p) => void check(p) });
  setHandler(suspendUpdate, () => change(SUSPEND), { validator: () => void check(SUSPEND) });
  setHandler(resumeUpdate, () => change(RESUME), { validator: () => void check(RESUME) });
  setHandler(scaleUpdate, (r) => change(scalePatch(r)), { validator: (r) => void check(scalePatch(r)) });
  setHandler(
    deleteUpdate,
    async () => {
      state.deletionTimestamp ??= new Date(Date.now()).toISOString();
      changes++;
      // kubectl delete waits for the pods to be gone; so does this update. It completes only after the
      // loop has folded in the last pod and stopped, so nothing else races its completion.
      await condition(() => state.pods.length === 0 && inFlight.size === 0);
      return snapshot();
    },
    {
      validator: () => {
        if (isFinished(state))
          throw ApplicationFailure.nonRetryable(`Job ${JSON.stringify(theJob.metadata.name)} has already finished`, UPDATE_REJECTED.finished);
      },
    },
  );

  const startPod = (d: Extract<Decision, { type: 'runPod' }>) => {
    const scope = new CancellationScope();
    inFlight.set(d.pod, scope);
    const { labels, annotations } = podIdentity(theJob, d.index, d);
    const podInput: RunPodInput = {
      namespace: theJob.metadata.namespace,
      jobName: theJob.metadata.name,
      jobUid: theJob.metadata.uid ?? '',
      podName: d.pod,
      restartCount: d.restartCount,
      labels,
      annotations,
      spec: theJob.spec.template.spec,
    };
    if (d.index !== undefined) podInput.index = d.index;
    const summary = d.restartCount > 0 ? `pod ${d.pod} (restart ${d.restartCount})` : `pod ${d.pod}`;
    scope
      .run(() =>
        // A deterministic id per pod run: the same run is never started twice.
        runPod.executeWithOptions(
          {
            activityId: `${d.pod}-${d.restartCount}`,
            summary,
            // nodeSelector picks the workers whose node labels satisfy it (see src/api/task-queues.ts).
            taskQueue: podTaskQueue(workflowInfo().taskQueue, theJob.spec.template.spec.nodeSelector),
          },
          [podInput],
        ),
      )
      .then(
        (result) => inbox.push({ type: 'podFinished', pod: d.pod, result, at: Date.now() }),
        (err: unknown) => inbox.push(classifyPodError(d.pod, err)),
      )
      .finally(() => inFlight.delete(d.pod));
  };

  // One durable timer for the controller's wake time, replaced only when that time changes. A timer per
  // loop turn (condition with a timeout) made the timer sequence depend on how many turns a task took,
  // which differs between a live run and its replay after a worker restart.
  let timer: { at: number; scope: CancellationScope } | undefined;
  let timerFired = false;
  const wakeUpAt = (at: number | undefined) => {
    if (timer?.at === at) return;
    timer?.scope.cancel();
    timer = undefined;
    if (at === undefined) return;
    const scope = new CancellationScope();
    timer = { at, scope };
    scope.run(() => sleep(Math.max(1, at - Date.now()))).then(
      () => {
        if (timer?.scope !== scope) return;
        timer = undefined;
        timerFired = true;
      },
      () => undefined,
    );
  };

  /** One sync: fold in what happened, ask the controller, carry out its decisions. Returns its wake time. */
  const step = (): number | undefined => {
    for (let e = inbox.shift(); e; e = inbox.shift()) apply(theJob, state, e);
    const { decisions, wakeAt } = reconcile(theJob, state, { now: Date.now(), randomSuffix });
    for (const d of decisions) {
      if (d.type === 'runPod') startPod(d);
      else inFlight.get(d.pod)?.cancel();
    }
    publish();
    return wakeAt;
  };

  let details = '';
  const info = workflowInfo();
  // Only attributes the Job was started with are upserted: they exist on this server (see search-attributes.ts).
  const hasPhase = info.typedSearchAttributes.get(JOB_PHASE) !== undefined;
  const hasLabels = info.typedSearchAttributes.get(JOB_LABELS) !== undefined;
  let phase = hasPhase ? info.typedSearchAttributes.get(JOB_PHASE) : undefined;
  let labels = JSON.stringify(labelEntries(theJob.metadata.labels));
  const publish = () => {
    const next = describeState(theJob, state);
    if (next !== details) {
      details = next;
      setCurrentDetails(next);
    }
    const updates: Parameters<typeof upsertSearchAttributes>[0] = [];
    const nextPhase = state.deletionTimestamp !== undefined ? 'Terminating' : jobPhase(theJob.spec, computeStatus(theJob.spec, state));
    if (hasPhase && nextPhase !== phase) {
      phase = nextPhase;
      updates.push({ key: JOB_PHASE, value: nextPhase });
    }
    const nextLabels = labelEntries(theJob.metadata.labels);
    if (hasLabels && JSON.stringify(nextLabels) !== labels) {
      labels = JSON.stringify(nextLabels);
      updates.push({ key: JOB_LABELS, value: nextLabels });
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
  };

  try {
    for (;;) {
      const seen = changes;
      const wakeAt = step();
      if (isFinished(state)) break;
      if (state.deletionTimestamp !== undefined && state.pods.length === 0 && inFlight.size === 0) break;
      const hasNews = () => inbox.length > 0 || changes !== seen;
      wakeUpAt(wakeAt);
      synced = seen;
      if (hasNews()) continue;
      await condition(() => hasNews() || timerFired);
      timerFired = false;
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelling the workflow cancels every pod scope; wait until their processes are gone.
      await CancellationScope.nonCancellable(() => condition(() => inFlight.size === 0));
    }
    throw err;
  }
  // Updates still waiting for their answer get it before the run closes.
  await condition(allHandlersFinished);
  const deleted = state.deletionTimestamp !== undefined;
  const removeAt = deleted ? Date.now() : ttlExpiry(theJob, state);
  if (removeAt !== undefined) await scheduleRemoval(removeAt);
  const result = buildResult(snapshot(), state);
  return deleted ? { ...result, deleted } : result;
}

/** 7.1: the terminal condition's time plus ttlSecondsAfterFinished. */
function ttlExpiry(job: Job, state: JobState): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined) return undefined;
  const terminal = finishedCondition(state);
  return terminal ? Date.parse(terminal.lastTransitionTime) + ttl * 1000 : undefined;
}

/**
 * The removal runs in a workflow of its own that outlives this one (ABANDON), so this history closes now
 * rather than staying open for the TTL, and the timer fires whichever worker is alive then.
 */
async function scheduleRemoval(removeAt: number): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const input: JobRemovalInput = { workflowId, runId, removeAt };
  await startChild(JOB_REMOVAL_WORKFLOW_TYPE, {
    workflowId: jobRemovalWorkflowId(workflowId, runId),
    args: [input],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `remove ${workflowId} at ${new Date(removeAt).toISOString()}`,
  });
}

function classifyPodError(pod: string, err: unknown): ControllerEvent {
  const at = Date.now();
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (isCancellation(err)) {
    // The activity reports what the killed containers did as the cancellation's details.
    const result = cause instanceof CancelledFailure ? cause.details[0] : undefined;
    return isPodResult(result) ? { type: 'podCancelled', pod, at, result } : { type: 'podCancelled', pod, at };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: 'podDisrupted', pod, at, message: `The worker running the pod stopped responding (${cause.timeoutType ?? 'timeout'})` };
  }
  if (cause instanceof ApplicationFailure && cause.type === 'WorkerShutdown') {
    return { type: 'podDisrupted', pod, at, message: 'The worker running the pod shut down' };
  }
  // The runtime itself failed (not the pod's process): the pod failed without a container result.
  const message = cause instanceof Error ? cause.message : String(cause);
  return { type: 'podFinished', pod, at, result: { phase: 'Failed', reason: 'RuntimeError', message, containers: [] } };
}

function isPodResult(value: unknown): value is RunPodResult {
  const v = value as Partial<RunPodResult> | undefined;
  return typeof v === 'object' && v !== null && (v.phase === 'Succeeded' || v.phase === 'Failed') && Array.isArray(v.containers);
}

function pagePods(state: JobState, args?: PodsQueryArgs): PodsPage {
  const all = [...state.finishedPods, ...state.pods];
  const offset = Math.max(0, args?.offset ?? 0);
  const limit = Math.max(1, Math.min(args?.limit ?? 100, 1000));
  return { items: all.slice(offset, offset + limit), total: all.length, dropped: state.finishedPodsDropped };
}

function buildResult(job: JobResult['job'], state: JobState): JobResult {
  const pods: PodRecord[] = [...state.finishedPods, ...state.pods].map((p) => ({ ...p }));
  let budget = RESULT_LOG_BUDGET;
  // Newest pods keep their log tails first: they are the ones `logs` asks for.
  for (let i = pods.length - 1; i >= 0; i--) {
    const p = pods[i];
    const trim = (cs: PodRecord['containers']) =>
      cs?.map((c) => {
        const keep = Math.min(c.logTail.length, budget);
        budget -= keep;
        return keep === c.logTail.length ? c : { ...c, logTail: c.logTail.slice(c.logTail.length - keep), logTruncated: true };
      });
    p.containers = trim(p.containers);
    p.previousContainers = trim(p.previousContainers);
  }
  return { job, pods, podsDropped: state.finishedPodsDropped, events: state.events };
}

/** The live status line in the Web UI. */
function describeState(job: Job, state: JobState): string {
  const s = computeStatus(job.spec, state);
  const terminal = finishedCondition(s);
  const phase = jobPhase(job.spec, s);
  const want = job.spec.completions === null ? 'work queue' : `${s.succeeded}/${job.spec.completions}`;
  const lines = [`**${phase}** ${terminal ? `(${terminal.reason})` : ''}`.trim(), `completions: ${want}`, `active: ${s.active}, succeeded: ${s.succeeded}, failed: ${s.failed}`];
  if (terminal?.message) lines.push(terminal.message);
  return lines.join('\n\n');
}
