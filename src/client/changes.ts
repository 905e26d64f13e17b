// Changes to a Job: each is a Temporal update a worker must accept within the worker timeout, and a
// refusal comes back as a typed error with Kubernetes' message. Deleting also removes the execution.
import { WorkflowUpdateFailedError, WorkflowUpdateStage, type WorkflowExecutionDescription, type WorkflowHandle, type WorkflowUpdateHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { InvalidStatus } from '../api/errors';
import { POD_NOT_FOUND, UPDATE_REJECTED, deletePodUpdate, deleteUpdate, type JobWithStatus, type PodDeletionRequest, type PodRecord } from '../workflows/messages';
import { jobResultOf } from '../workflows/job-ending';
import type { ClientContext } from './context';
import { InvalidError, JobFinishedError, NoWorkerError, NotFoundError } from './errors';
import { chainHandle, describeExecution, firstRunId, jobHandle, noAnswer } from './read';
import { runsOfChain } from './chain';
import { isDeadline, isNotFound, sleep } from './temporal-errors';

async function ensureChangeable(ctx: ClientContext, namespace: string, name: string): Promise<WorkflowExecutionDescription> {
  const desc = await describeExecution(ctx, namespace, name);
  if (desc.status.name === 'RUNNING') return desc;
  if (desc.status.name === 'COMPLETED') {
    const result = await jobResultOf(jobHandle(ctx, namespace, name).result());
    if (result.deleted) throw new NotFoundError(namespace, name);
  }
  throw new JobFinishedError(namespace, name, 'finished');
}

function mapUpdateError(namespace: string, name: string, taskQueue: string, err: unknown): Error {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const f = err.cause;
    if (f.type === UPDATE_REJECTED.invalid) return new InvalidError(namespace, name, f.message, f.details?.[0] as InvalidStatus | undefined);
    if (f.type === UPDATE_REJECTED.finished) return new JobFinishedError(namespace, name, 'finished', f.message);
    if (f.type === UPDATE_REJECTED.deleting) return new JobFinishedError(namespace, name, 'deleting', f.message);
    return new Error(f.message);
  }
  if (isDeadline(err)) return new NoWorkerError(namespace, name, taskQueue);
  if (isNotFound(err) || /already completed/i.test((err as Error)?.message ?? '')) return new JobFinishedError(namespace, name, 'finished');
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs an update; a worker must accept it within the worker timeout. */
export async function updateJob<T = JobWithStatus>(
  ctx: ClientContext,
  namespace: string,
  name: string,
  start: (h: WorkflowHandle) => Promise<WorkflowUpdateHandle<T>>,
): Promise<T> {
  const desc = await ensureChangeable(ctx, namespace, name);
  const handle = chainHandle(ctx, desc);
  try {
    const started = await ctx.client.withDeadline(Date.now() + ctx.workerTimeoutMs, () => start(handle));
    return await started.result();
  } catch (err) {
    const mapped = mapUpdateError(namespace, name, desc.taskQueue, err);
    throw mapped instanceof NoWorkerError ? await noAnswer(ctx, namespace, name, desc.taskQueue) : mapped;
  }
}

/**
 * `kubectl delete pod` (or an eviction) of a pod of the Job: refused with NotFoundError (pods) when the pod
 * has finished or is not the Job's. With `wait` (kubectl's default) this returns the pod once its
 * process is gone; without, once the Job has accepted the deletion.
 */
export async function deletePod(
  ctx: ClientContext,
  namespace: string,
  job: string,
  request: PodDeletionRequest,
  opts: { wait?: boolean } = {},
): Promise<PodRecord | undefined> {
  let desc: WorkflowExecutionDescription;
  try {
    desc = await ensureChangeable(ctx, namespace, job);
  } catch (err) {
    // A finished Job's pods have all finished: none is left to delete.
    if (err instanceof JobFinishedError) throw new NotFoundError(namespace, request.pod, 'pods', `pods "${request.pod}" not found: Job "${job}" has finished, and so have its pods`);
    throw err;
  }
  const handle = chainHandle(ctx, desc);
  try {
    const started = await ctx.client.withDeadline(Date.now() + ctx.workerTimeoutMs, () =>
      handle.startUpdate(deletePodUpdate, { args: [request], waitForStage: WorkflowUpdateStage.ACCEPTED }),
    );
    return opts.wait === false ? undefined : await started.result();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === POD_NOT_FOUND) {
      throw new NotFoundError(namespace, request.pod, 'pods', err.cause.message);
    }
    const mapped = mapUpdateError(namespace, job, desc.taskQueue, err);
    if (mapped instanceof JobFinishedError && mapped.why === 'finished') {
      throw new NotFoundError(namespace, request.pod, 'pods', `pods "${request.pod}" not found: Job "${job}" has finished, and so have its pods`);
    }
    throw mapped instanceof NoWorkerError ? await noAnswer(ctx, namespace, job, desc.taskQueue) : mapped;
  }
}

/**
 * Deletes the Job: a running Job stops its pods (grace period, then SIGKILL) and ends; its execution is
 * then removed. With `wait` (kubectl's default) this returns once the Job no longer exists.
 */
export async function deleteJob(ctx: ClientContext, namespace: string, name: string, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const desc = await describeExecution(ctx, namespace, name);
  if (desc.status.name === 'RUNNING') {
    const handle = chainHandle(ctx, desc);
    try {
      const started = await ctx.client.withDeadline(Date.now() + ctx.workerTimeoutMs, () =>
        handle.startUpdate(deleteUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }),
      );
      await started.result();
    } catch (err) {
      const mapped = mapUpdateError(namespace, name, desc.taskQueue, err);
      // It finished meanwhile (maybe in a later run than `desc`): remove the finished execution instead.
      if (!(mapped instanceof JobFinishedError && mapped.why === 'finished')) throw mapped;
      await removeExecution(ctx, await describeExecution(ctx, namespace, name));
    }
  } else {
    await removeExecution(ctx, desc);
  }
  if (opts.wait === false) return;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    try {
      const now = await jobHandle(ctx, namespace, name).describe();
      // A new Job that reuses the name (another chain of runs) is not the one we deleted.
      if (firstRunId(now) !== firstRunId(desc)) return;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for job ${namespace}/${name} to be removed`);
    await sleep(200);
  }
}

async function removeExecution(ctx: ClientContext, desc: WorkflowExecutionDescription): Promise<void> {
  const { namespace } = ctx.client.options;
  // Every run of the Job, the final one first (it is what makes the Job gone).
  for (const runId of await runsOfChain(ctx.client.workflowService, namespace, desc.workflowId, desc.runId)) {
    try {
      await ctx.client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId: desc.workflowId, runId } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
