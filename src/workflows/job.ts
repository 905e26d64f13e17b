// The thin Temporal shell around the Job controller: feed it events, carry out its decisions.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  TimeoutFailure,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { RunPodInput, RunPodResult } from '../api/pod';
import type { Job } from '../api/types';
import {
  apply,
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
  eventsQuery,
  jobQuery,
  podStartedSignal,
  podsQuery,
  statusQuery,
  type JobInput,
  type JobResult,
  type PodsPage,
  type PodsQueryArgs,
} from './messages';

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
  const theJob = input.job;
  const spec = theJob.spec;
  const state: JobState = input.state ?? initialState();
  const inbox: ControllerEvent[] = [];
  const inFlight = new Map<string, CancellationScope>();
  const randomSuffix = suffixFrom(Math.random);

  const snapshot = () => ({ ...theJob, status: computeStatus(spec, state) });
  setHandler(statusQuery, () => computeStatus(spec, state));
  setHandler(jobQuery, snapshot);
  setHandler(podsQuery, (args?: PodsQueryArgs) => pagePods(state, args));
  setHandler(eventsQuery, () => state.events);
  setHandler(podStartedSignal, ({ pod, worker }) => {
    inbox.push({ type: 'podStarted', pod, worker, at: Date.now() });
  });

  const startPod = (d: Extract<Decision, { type: 'runPod' }>) => {
    const scope = new CancellationScope();
    inFlight.set(d.pod, scope);
    const { labels, annotations } = podIdentity(theJob, d.index);
    const podInput: RunPodInput = {
      namespace: theJob.metadata.namespace,
      jobName: theJob.metadata.name,
      jobUid: theJob.metadata.uid ?? '',
      podName: d.pod,
      restartCount: d.restartCount,
      labels,
      annotations,
      spec: spec.template.spec,
    };
    if (d.index !== undefined) podInput.index = d.index;
    const summary = d.restartCount > 0 ? `pod ${d.pod} (restart ${d.restartCount})` : `pod ${d.pod}`;
    scope
      .run(() =>
        // A deterministic id per pod run: the same run is never started twice.
        runPod.executeWithOptions({ activityId: `${d.pod}-${d.restartCount}`, summary }, [podInput]),
      )
      .then(
        (result) => inbox.push({ type: 'podFinished', pod: d.pod, result, at: Date.now() }),
        (err: unknown) => inbox.push(classifyPodError(d.pod, err)),
      )
      .finally(() => inFlight.delete(d.pod));
  };

  let details = '';
  const publish = () => {
    const next = describeState(theJob, state);
    if (next !== details) {
      details = next;
      setCurrentDetails(next);
    }
  };

  try {
    for (;;) {
      const { decisions, wakeAt } = reconcile(theJob, state, { now: Date.now(), randomSuffix });
      for (const d of decisions) {
        if (d.type === 'runPod') startPod(d);
        else inFlight.get(d.pod)?.cancel();
      }
      publish();
      if (isFinished(state)) break;
      const hasNews = () => inbox.length > 0;
      if (wakeAt === undefined) await condition(hasNews);
      else await condition(hasNews, Math.max(1, wakeAt - Date.now()));
      for (let e = inbox.shift(); e; e = inbox.shift()) apply(spec, state, e);
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelling the workflow cancels every pod scope; wait until their processes are gone.
      await CancellationScope.nonCancellable(() => condition(() => inFlight.size === 0));
    }
    throw err;
  }
  return buildResult(snapshot(), state);
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
  const terminal = s.conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  const phase = terminal ? terminal.type : job.spec.suspend ? 'Suspended' : 'Running';
  const want = job.spec.completions === null ? 'work queue' : `${s.succeeded}/${job.spec.completions}`;
  const lines = [`**${phase}** ${terminal ? `(${terminal.reason})` : ''}`.trim(), `completions: ${want}`, `active: ${s.active}, succeeded: ${s.succeeded}, failed: ${s.failed}`];
  if (terminal?.message) lines.push(terminal.message);
  return lines.join('\n\n');
}
