// Where a Job's state comes from: a running Job's from queries (a worker answers them, within the
// worker timeout), a finished Job's from its workflow result (no worker needed), and otherwise only what
// the server stores.
import type { WorkflowExecutionDescription, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { eventsQuery, jobQuery, jobWorkflowId, podsQuery, type JobEvent, type PodRecord, type PodsPage } from '../workflows/messages';
import { jobResultOf } from '../workflows/job-ending';
import type { ClientContext } from './context';
import { NoWorkerError, NotFoundError } from './errors';
import { endedWithoutResult, storedJob, withoutLiveStatus } from './stored';
import { isDeadline, isNotFound, sleep } from './temporal-errors';
import type { JobDetails } from './types';
import { parseJobWorkflowId } from './visibility';

type QueryRef = { namespace: string; name: string; taskQueue: string };

export function jobHandle(ctx: ClientContext, namespace: string, name: string): WorkflowHandle {
  return ctx.client.workflow.getHandle(jobWorkflowId(namespace, name));
}

/**
 * The Job this execution belongs to, whichever of its runs is current when a message arrives (a Job
 * continues as new), and never a later Job that reuses the name. A server that does not report the
 * first run pins the handle to this run instead.
 */
export function chainHandle(ctx: ClientContext, desc: WorkflowExecutionDescription): WorkflowHandle {
  const first = desc.raw.workflowExecutionInfo?.firstRunId;
  return first ? ctx.client.workflow.getHandle(desc.workflowId, undefined, { firstExecutionRunId: first }) : ctx.client.workflow.getHandle(desc.workflowId, desc.runId);
}

/** The first run of the execution's chain of runs (the run itself where the server does not say). */
export function firstRunId(desc: WorkflowExecutionDescription): string {
  return desc.raw.workflowExecutionInfo?.firstRunId || desc.runId;
}

/** A poller seen this recently is a worker that is there (the server remembers pollers for minutes). */
const POLLER_RECENT_MS = 60_000;

/**
 * No worker answered in time: says whether one polls the Job's task queue at all (a worker busy with
 * other Jobs' tasks lets a query time out, yet it is there and will get to it).
 */
export async function noAnswer(ctx: ClientContext, namespace: string, name: string, taskQueue: string): Promise<NoWorkerError> {
  const recent = Date.now() - POLLER_RECENT_MS;
  try {
    const res = await ctx.client.withDeadline(Date.now() + 2_000, () =>
      ctx.client.workflowService.describeTaskQueue({
        namespace: ctx.client.options.namespace,
        taskQueue: { name: taskQueue },
        // TASK_QUEUE_TYPE_WORKFLOW (@temporalio/proto is only a dev dependency).
        taskQueueType: 1,
      }),
    );
    const polling = (res.pollers ?? []).some((p) => p.lastAccessTime && Number(p.lastAccessTime.seconds ?? 0) * 1000 >= recent);
    return new NoWorkerError(namespace, name, taskQueue, polling);
  } catch {
    return new NoWorkerError(namespace, name, taskQueue);
  }
}

export async function describeExecution(ctx: ClientContext, namespace: string, name: string): Promise<WorkflowExecutionDescription> {
  try {
    return await jobHandle(ctx, namespace, name).describe();
  } catch (err) {
    if (isNotFound(err)) throw new NotFoundError(namespace, name);
    throw err;
  }
}

/**
 * A query bounded by the worker timeout. The first workflow task may still be on its way, so errors
 * are retried until then; running out of time means no worker answered (NoWorkerError).
 */
async function boundedQuery<T>(ctx: ClientContext, ref: QueryRef, ask: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ctx.workerTimeoutMs;
  for (;;) {
    try {
      return await ctx.client.withDeadline(deadline, ask);
    } catch (err) {
      if (isDeadline(err) || Date.now() >= deadline - 250) throw await noAnswer(ctx, ref.namespace, ref.name, ref.taskQueue);
      if (isNotFound(err)) throw err;
      await sleep(200);
    }
  }
}

/** The Job of a workflow execution, with its pods and events when `want.details`. */
export async function readJob(
  ctx: ClientContext,
  info: WorkflowExecutionInfo | WorkflowExecutionDescription,
  want: { details: boolean },
): Promise<JobDetails> {
  const ref = parseJobWorkflowId(info.workflowId) ?? { namespace: '', name: info.workflowId };
  // A run that handed the Job to the next one (read just as it did): the Job is the current run.
  if (info.status.name === 'CONTINUED_AS_NEW') return readJob(ctx, await describeExecution(ctx, ref.namespace, ref.name), want);
  const taskQueue = info.taskQueue;
  const base = { taskQueue, pods: [] as PodRecord[], podsDropped: 0, events: [] as JobEvent[] };
  const handle = ctx.client.workflow.getHandle(info.workflowId, info.runId);
  const q = { ...ref, taskQueue };
  if (info.status.name === 'RUNNING') {
    try {
      const job = await boundedQuery(ctx, q, () => handle.query(jobQuery));
      if (!want.details) return { ...base, job, source: 'live', running: true };
      const [pods, events] = await Promise.all([allPods(ctx, q, handle), boundedQuery(ctx, q, () => handle.query(eventsQuery))]);
      return { ...base, job, source: 'live', running: true, pods: pods.items, podsDropped: pods.dropped, events };
    } catch (err) {
      const stored = await storedJob(ctx.client, info);
      // The workflow ended between the listing and the query: read it again as a closed one.
      if (isNotFound(err)) return readJob(ctx, await describeExecution(ctx, ref.namespace, ref.name), want);
      const warning = err instanceof NoWorkerError ? err.message : `cannot query Job ${ref.namespace}/${ref.name}: ${err instanceof Error ? err.message : String(err)}`;
      return { ...base, job: withoutLiveStatus(stored), source: 'stored', running: true, warning };
    }
  }
  // A Failed Job fails its workflow, with the final Job in the failure (see workflows/job-ending.ts).
  // A workflow that failed for another reason (its input refused, say) has no Job in its failure.
  const result =
    info.status.name === 'COMPLETED'
      ? await jobResultOf(handle.result())
      : info.status.name === 'FAILED'
        ? await jobResultOf(handle.result()).catch(() => undefined)
        : undefined;
  if (result) {
    // A deleted Job's execution is about to be removed: it no longer exists.
    if (result.deleted) throw new NotFoundError(ref.namespace, ref.name);
    return { ...base, job: result.job, source: 'result', running: false, pods: result.pods, podsDropped: result.podsDropped, events: result.events };
  }
  const stored = await storedJob(ctx.client, info);
  return { ...base, job: endedWithoutResult(stored, info), source: 'stored', running: false };
}

async function allPods(ctx: ClientContext, q: QueryRef, handle: WorkflowHandle): Promise<{ items: PodRecord[]; dropped: number }> {
  const items: PodRecord[] = [];
  let dropped = 0;
  for (let offset = 0; ; ) {
    const page: PodsPage = await boundedQuery(ctx, q, () => handle.query(podsQuery, { offset, limit: 1000 }));
    items.push(...page.items);
    dropped = page.dropped;
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) break;
  }
  return { items, dropped };
}
