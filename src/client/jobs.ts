// The typed client for Jobs: kubectl's verbs, with Temporal as the API server. A Job is the workflow
// `job/<namespace>/<name>`; its live state comes from queries (a worker answers them), a finished Job's
// from the workflow result (no worker needed), and changes go through updates.
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError, type SearchAttributePair } from '@temporalio/common';
import { parseManifests, withControllerUid, type InvalidStatus } from '../api';
import { parseSelector, selectorMatchesLabels, type SelectorRequirement } from '../api/label-selector';
import type { Job, JobCondition, JobStatus } from '../api/types';
import { podIdentity } from '../controller/pods';
import type { JobEvent, PodRecord } from '../controller/state';
import {
  JOB_WORKFLOW_TYPE,
  UPDATE_REJECTED,
  deleteUpdate,
  eventsQuery,
  jobQuery,
  jobWorkflowId,
  patchUpdate,
  podsQuery,
  resumeUpdate,
  scaleUpdate,
  statusQuery,
  suspendUpdate,
  type ContinueAsNewThresholds,
  type JobInput,
  type JobMergePatch,
  type JobResult,
  type JobWithStatus,
  type PodsPage,
  type ScaleRequest,
} from '../workflows/messages';
import { JOB_LABELS, JOB_NAME, JOB_NAMESPACE, JOB_PHASE, jobPhase, labelEntries } from '../workflows/search-attributes';
import { AlreadyExistsError, ConditionUnreachableError, InvalidError, JobFinishedError, NoWorkerError, NotFoundError, WaitTimeoutError } from './errors';
import { podLogs, firstPod, LogsError, type LogOptions, type PodLogs } from './logs';
import { mergePatchFor } from './merge';
import { ensureJobSearchAttributes, type SearchAttributeSupport } from './search-attributes';
import { MEMO_JOB, emptyStatus, endedWithoutResult, storedJob, withoutLiveStatus } from './stored';
import { listQuery, parseJobWorkflowId } from './visibility';
import { runsOfChain } from './chain';

export { AlreadyExistsError } from './errors';

/** A poller seen this recently is a worker that is there (the server remembers pollers for minutes). */
const POLLER_RECENT_MS = 60_000;

/** Kept here rather than imported from src/worker so that the client does not load the worker's native code. */
const DEFAULT_TASK_QUEUE = 'durable-jobs';

export interface JobsClientOptions {
  taskQueue?: string;
  /** How long a query may wait for a worker before the client says none is polling (default 5 s). */
  workerTimeoutMs?: number;
  /** A worker data dir on this host: `logs` reads whole log files from it when the pod ran here. */
  dataDir?: string;
}

/** Where a Job's state came from. */
export type JobSource =
  /** A worker answered a query: live. */
  | 'live'
  /** The finished Job's workflow result. */
  | 'result'
  /** Only what the server stores (no worker answered, or the workflow ended without a result). */
  | 'stored';

export interface JobInfo {
  job: JobWithStatus;
  source: JobSource;
  /** The workflow is still running (the Job takes changes). */
  running: boolean;
  taskQueue: string;
  /** Why `source` is `stored` for a running Job. */
  warning?: string;
}

export interface JobDetails extends JobInfo {
  pods: PodRecord[];
  /** Finished pods that fell out of the Job's bounded memory. */
  podsDropped: number;
  events: JobEvent[];
}

export interface PodRow {
  job: JobWithStatus;
  pod: PodRecord;
}

export interface ListOptions {
  /** Kubernetes namespace; undefined for every namespace (`-A`). */
  namespace?: string;
  /** kubectl's `-l` text, or parsed requirements. */
  selector?: string | readonly SelectorRequirement[];
}

export interface ListResult<T> {
  items: T[];
  /** Things the caller should tell the user (no worker, no search attributes). */
  warnings: string[];
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export type WaitCondition = 'complete' | 'failed' | 'suspended';

const CONDITION_TYPES: Record<WaitCondition, JobCondition['type']> = { complete: 'Complete', failed: 'Failed', suspended: 'Suspended' };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function conditionTrue(status: JobStatus, type: JobCondition['type']): boolean {
  return status.conditions.some((c) => c.type === type && c.status === 'True');
}

function terminalCondition(status: JobStatus): 'Complete' | 'Failed' | undefined {
  if (conditionTrue(status, 'Complete')) return 'Complete';
  if (conditionTrue(status, 'Failed')) return 'Failed';
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

function isDeadline(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number }; name?: string; message?: string } | undefined;
  return (
    e?.code === 4 ||
    e?.cause?.code === 4 ||
    e?.name === 'WorkflowUpdateRPCTimeoutOrCancelledError' ||
    /deadline exceeded|context deadline/i.test(e?.message ?? '')
  );
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number } } | undefined;
  return err instanceof WorkflowNotFoundError || e?.code === 5 || e?.cause?.code === 5;
}

export class JobsClient {
  readonly taskQueue: string;
  private readonly workerTimeoutMs: number;
  private readonly dataDir: string | undefined;
  private attributes: Promise<SearchAttributeSupport> | undefined;

  constructor(
    readonly client: Client,
    opts: JobsClientOptions = {},
  ) {
    this.taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.workerTimeoutMs = opts.workerTimeoutMs ?? 5_000;
    this.dataDir = opts.dataDir;
  }

  /** Whether the Job search attributes are registered (added once if they are missing and we may). */
  searchAttributes(): Promise<SearchAttributeSupport> {
    this.attributes ??= ensureJobSearchAttributes(this.client);
    return this.attributes;
  }

  handle(namespace: string, name: string): WorkflowHandle {
    return this.client.workflow.getHandle(jobWorkflowId(namespace, name));
  }

  // ---- create / apply ------------------------------------------------------------------------------

  /**
   * Creates the Job: starts its workflow. A Job of that name in that namespace that still exists, running
   * or finished, makes this fail with AlreadyExistsError; only a deleted Job frees its name.
   */
  async create(job: Job, opts: { continueAsNew?: ContinueAsNewThresholds } = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
    const withUid = withControllerUid(job, randomUUID());
    const stored: Job = { ...withUid, metadata: { ...withUid.metadata, creationTimestamp: new Date().toISOString() } };
    const input: JobInput = opts.continueAsNew ? { job: stored, continueAsNew: opts.continueAsNew } : { job: stored };
    const support = await this.searchAttributes();
    const typedSearchAttributes: SearchAttributePair[] = support.ok
      ? [
          { key: JOB_NAME, value: job.metadata.name },
          { key: JOB_NAMESPACE, value: job.metadata.namespace },
          { key: JOB_PHASE, value: jobPhase(job.spec, emptyStatus()) },
          { key: JOB_LABELS, value: labelEntries(stored.metadata.labels) },
        ]
      : [];
    try {
      return await this.client.workflow.start(JOB_WORKFLOW_TYPE, {
        workflowId: jobWorkflowId(job.metadata.namespace, job.metadata.name),
        taskQueue: this.taskQueue,
        args: [input],
        // A finished Job still exists (as in Kubernetes) until it is deleted, which removes its execution.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Job ${job.metadata.namespace}/${job.metadata.name}`,
        // The Job as created, readable without a worker and listed with the execution.
        memo: { [MEMO_JOB]: stored },
        ...(typedSearchAttributes.length > 0 ? { typedSearchAttributes } : {}),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new AlreadyExistsError(job.metadata.namespace, job.metadata.name);
      throw err;
    }
  }

  /** Every Job of a manifest text (multi-document YAML, kind List), validated before any is created. */
  async createAll(manifest: string, source?: string): Promise<Job[]> {
    const jobs = parseManifests(manifest, source);
    for (const job of jobs) await this.create(job);
    return jobs;
  }

  /**
   * `kubectl apply`: creates the Job, or changes an existing one by a merge patch of the fields that differ
   * (immutable ones are refused by the Job with InvalidError). A finished Job takes no changes.
   */
  async apply(jobOrManifest: Job | string): Promise<ApplyAction> {
    const job = typeof jobOrManifest === 'string' ? parseManifests(jobOrManifest)[0] : jobOrManifest;
    let current: JobInfo;
    try {
      current = await this.get(job.metadata.namespace, job.metadata.name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      try {
        await this.create(job);
        return 'created';
      } catch (e) {
        // Someone created it in between: apply to theirs.
        if (!(e instanceof AlreadyExistsError)) throw e;
        current = await this.get(job.metadata.namespace, job.metadata.name);
      }
    }
    const desired = current.job.metadata.uid ? withControllerUid(job, current.job.metadata.uid) : job;
    const from = { metadata: { labels: current.job.metadata.labels ?? {}, annotations: current.job.metadata.annotations ?? {} }, spec: current.job.spec };
    const to = { metadata: { labels: desired.metadata.labels ?? {}, annotations: desired.metadata.annotations ?? {} }, spec: desired.spec };
    const patch = mergePatchFor(from, to) as JobMergePatch | undefined;
    if (patch === undefined) return 'unchanged';
    await this.patch(job.metadata.namespace, job.metadata.name, patch);
    return 'configured';
  }

  /**
   * The Job this execution belongs to, whichever of its runs is current when a message arrives (a Job
   * continues as new), and never a later Job that reuses the name. A server that does not report the
   * first run pins the handle to this run instead.
   */
  private jobHandle(desc: WorkflowExecutionDescription): WorkflowHandle {
    const first = desc.raw.workflowExecutionInfo?.firstRunId;
    return first ? this.client.workflow.getHandle(desc.workflowId, undefined, { firstExecutionRunId: first }) : this.client.workflow.getHandle(desc.workflowId, desc.runId);
  }

  // ---- read ----------------------------------------------------------------------------------------

  private async describeExecution(namespace: string, name: string): Promise<WorkflowExecutionDescription> {
    try {
      return await this.handle(namespace, name).describe();
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(namespace, name);
      throw err;
    }
  }

  /**
   * A query bounded by the worker timeout. The first workflow task may still be on its way, so errors
   * are retried until then; running out of time means no worker answered (NoWorkerError).
   */
  private async boundedQuery<T>(ref: { namespace: string; name: string; taskQueue: string }, ask: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.workerTimeoutMs;
    for (;;) {
      try {
        return await this.client.withDeadline(deadline, ask);
      } catch (err) {
        if (isDeadline(err) || Date.now() >= deadline - 250) throw await this.noAnswer(ref.namespace, ref.name, ref.taskQueue);
        if (isNotFound(err)) throw err;
        await sleep(200);
      }
    }
  }

  private async fromExecution(
    info: WorkflowExecutionInfo | WorkflowExecutionDescription,
    want: { details: boolean },
  ): Promise<JobDetails> {
    const ref = parseJobWorkflowId(info.workflowId) ?? { namespace: '', name: info.workflowId };
    const taskQueue = info.taskQueue;
    const base = { taskQueue, pods: [] as PodRecord[], podsDropped: 0, events: [] as JobEvent[] };
    const handle = this.client.workflow.getHandle(info.workflowId, info.runId);
    const q = { ...ref, taskQueue };
    if (info.status.name === 'RUNNING') {
      try {
        const job = await this.boundedQuery(q, () => handle.query(jobQuery));
        if (!want.details) return { ...base, job, source: 'live', running: true };
        const [pods, events] = await Promise.all([this.allPods(q, handle), this.boundedQuery(q, () => handle.query(eventsQuery))]);
        return { ...base, job, source: 'live', running: true, pods: pods.items, podsDropped: pods.dropped, events };
      } catch (err) {
        const stored = await storedJob(this.client, info);
        // The workflow ended between the listing and the query: read it again as a closed one.
        if (isNotFound(err)) return this.fromExecution(await this.describeExecution(ref.namespace, ref.name), want);
        const warning = err instanceof NoWorkerError ? err.message : `cannot query Job ${ref.namespace}/${ref.name}: ${err instanceof Error ? err.message : String(err)}`;
        return { ...base, job: withoutLiveStatus(stored), source: 'stored', running: true, warning };
      }
    }
    // A run that handed the Job to the next one (read just as it did): the Job is the current run.
    if (info.status.name === 'CONTINUED_AS_NEW') return this.fromExecution(await this.describeExecution(ref.namespace, ref.name), want);
    if (info.status.name === 'COMPLETED') {
      const result = (await handle.result()) as JobResult;
      // A deleted Job's execution is about to be removed: it no longer exists.
      if (result.deleted) throw new NotFoundError(ref.namespace, ref.name);
      return { ...base, job: result.job, source: 'result', running: false, pods: result.pods, podsDropped: result.podsDropped, events: result.events };
    }
    const stored = await storedJob(this.client, info);
    return { ...base, job: endedWithoutResult(stored, info), source: 'stored', running: false };
  }

  private async allPods(q: { namespace: string; name: string; taskQueue: string }, handle: WorkflowHandle): Promise<{ items: PodRecord[]; dropped: number }> {
    const items: PodRecord[] = [];
    let dropped = 0;
    for (let offset = 0; ; ) {
      const page: PodsPage = await this.boundedQuery(q, () => handle.query(podsQuery, { offset, limit: 1000 }));
      items.push(...page.items);
      dropped = page.dropped;
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    return { items, dropped };
  }

  /** The Job with its status (`kubectl get job NAME`). */
  async get(namespace: string, name: string): Promise<JobInfo> {
    const { pods: _p, podsDropped: _d, events: _e, ...info } = await this.fromExecution(await this.describeExecution(namespace, name), { details: false });
    return info;
  }

  /** The Job, its pods and its events (`kubectl describe job NAME`). */
  async describe(namespace: string, name: string): Promise<JobDetails> {
    return this.fromExecution(await this.describeExecution(namespace, name), { details: true });
  }

  private async executions(filter: { namespace?: string; name?: string; selector: readonly SelectorRequirement[] }, warnings: string[]) {
    const support = await this.searchAttributes();
    if (!support.ok) warnings.push(`listing by workflow id and filtering here: ${support.reason}`);
    const query = listQuery(filter, support.ok);
    const found: WorkflowExecutionInfo[] = [];
    const byId = new Map<string, WorkflowExecutionInfo>();
    for await (const wf of this.client.workflow.list({ query })) {
      const ref = parseJobWorkflowId(wf.workflowId);
      if (!ref) continue;
      if (filter.namespace !== undefined && ref.namespace !== filter.namespace) continue;
      if (filter.name !== undefined && ref.name !== filter.name) continue;
      if (wf.status.name === 'CONTINUED_AS_NEW') continue;
      // Visibility lags: just after a continue-as-new the old run may still list as running beside the
      // new one. One row per Job: its latest run.
      const seen = byId.get(wf.workflowId);
      if (!seen || wf.startTime > seen.startTime) byId.set(wf.workflowId, wf);
    }
    found.push(...byId.values());
    return found;
  }

  private async listDetails(opts: ListOptions, details: boolean, nameHint?: string): Promise<ListResult<JobDetails>> {
    const selector = typeof opts.selector === 'string' ? parseSelector(opts.selector) : (opts.selector ?? []);
    const warnings: string[] = [];
    const execs = await this.executions({ namespace: opts.namespace, name: nameHint, selector: details ? [] : selector }, warnings);
    const infos = await mapLimit(execs, 8, async (wf) => {
      try {
        return await this.fromExecution(wf, { details });
      } catch (err) {
        // Deleted (or removed) between the listing and the read.
        if (err instanceof NotFoundError || isNotFound(err)) return undefined;
        throw err;
      }
    });
    const items: JobDetails[] = [];
    for (const info of infos) {
      if (!info) continue;
      if (info.warning && !warnings.includes(info.warning)) warnings.push(info.warning);
      if (!details && !selectorMatchesLabels(selector, info.job.metadata.labels)) continue;
      items.push(info);
    }
    items.sort((a, b) => a.job.metadata.namespace.localeCompare(b.job.metadata.namespace) || a.job.metadata.name.localeCompare(b.job.metadata.name));
    return { items, warnings: dedupeNoWorker(warnings) };
  }

  /** Jobs of a namespace (or all), selected by labels (`kubectl get jobs -l ...`), sorted by namespace and name. */
  async list(opts: ListOptions = {}): Promise<ListResult<JobInfo>> {
    const res = await this.listDetails(opts, false);
    return { items: res.items.map(({ pods: _p, podsDropped: _d, events: _e, ...info }) => info), warnings: res.warnings };
  }

  /** Pods of the Jobs (`kubectl get pods -l job-name=X`); the selector applies to the pods' labels. */
  async listPods(opts: ListOptions = {}): Promise<ListResult<PodRow>> {
    const selector = typeof opts.selector === 'string' ? parseSelector(opts.selector) : (opts.selector ?? []);
    const byName = selector.find((r) => r.operator === '=' && (r.key === 'job-name' || r.key === 'batch.kubernetes.io/job-name'));
    const res = await this.listDetails({ namespace: opts.namespace }, true, byName?.values[0]);
    const items: PodRow[] = [];
    for (const d of res.items) {
      for (const pod of d.pods) {
        if (selectorMatchesLabels(selector, podLabels(d.job, pod))) items.push({ job: d.job, pod });
      }
    }
    return { items, warnings: res.warnings };
  }

  /** The pod of that name, found through the Job its name was generated from. */
  async getPod(namespace: string, podName: string): Promise<{ details: JobDetails; pod: PodRecord }> {
    for (const jobName of jobNamesFromPodName(podName)) {
      let details: JobDetails;
      try {
        details = await this.describe(namespace, jobName);
      } catch (err) {
        if (err instanceof NotFoundError) continue;
        throw err;
      }
      const pod = details.pods.find((p) => p.name === podName);
      if (pod) return { details, pod };
    }
    throw new NotFoundError(namespace, podName, 'pods');
  }

  // ---- logs ----------------------------------------------------------------------------------------

  /** `kubectl logs job/NAME` (the first pod, as kubectl picks it) or `kubectl logs POD`. */
  async logs(namespace: string, target: { job: string } | { pod: string }, opts: LogOptions = {}): Promise<PodLogs & { details: JobDetails; pod: PodRecord }> {
    let details: JobDetails;
    let pod: PodRecord | undefined;
    if ('job' in target) {
      details = await this.describe(namespace, target.job);
      pod = firstPod(details.pods);
      if (!pod) {
        if (details.warning) throw new LogsError(`error: ${details.warning}`);
        throw new LogsError(`error: job ${target.job} has no pods yet`);
      }
    } else {
      ({ details, pod } = await this.getPod(namespace, target.pod));
    }
    return { ...podLogs(details.job, pod, { dataDir: this.dataDir, ...opts }), details, pod };
  }

  // ---- changes -------------------------------------------------------------------------------------

  private async ensureChangeable(namespace: string, name: string): Promise<WorkflowExecutionDescription> {
    const desc = await this.describeExecution(namespace, name);
    if (desc.status.name === 'RUNNING') return desc;
    if (desc.status.name === 'COMPLETED') {
      const result = (await this.handle(namespace, name).result()) as JobResult;
      if (result.deleted) throw new NotFoundError(namespace, name);
    }
    throw new JobFinishedError(namespace, name, 'finished');
  }

  private mapUpdateError(namespace: string, name: string, taskQueue: string, err: unknown): Error {
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
  private async update(namespace: string, name: string, start: (h: WorkflowHandle) => Promise<WorkflowUpdateHandle<JobWithStatus>>): Promise<JobWithStatus> {
    const desc = await this.ensureChangeable(namespace, name);
    const handle = this.jobHandle(desc);
    try {
      const started = await this.client.withDeadline(Date.now() + this.workerTimeoutMs, () => start(handle));
      return await started.result();
    } catch (err) {
      const mapped = this.mapUpdateError(namespace, name, desc.taskQueue, err);
      throw mapped instanceof NoWorkerError ? await this.noAnswer(namespace, name, desc.taskQueue) : mapped;
    }
  }

  /**
   * No worker answered in time: says whether one polls the Job's task queue at all (a worker busy with
   * other Jobs' tasks lets a query time out, yet it is there and will get to it).
   */
  private async noAnswer(namespace: string, name: string, taskQueue: string): Promise<NoWorkerError> {
    const recent = Date.now() - POLLER_RECENT_MS;
    try {
      const res = await this.client.withDeadline(Date.now() + 2_000, () =>
        this.client.workflowService.describeTaskQueue({
          namespace: this.client.options.namespace,
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

  /** `kubectl patch job NAME --type=merge -p PATCH`. */
  patch(namespace: string, name: string, patch: JobMergePatch): Promise<JobWithStatus> {
    return this.update(namespace, name, (h) => h.startUpdate(patchUpdate, { args: [patch], waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  suspend(namespace: string, name: string): Promise<JobWithStatus> {
    return this.update(namespace, name, (h) => h.startUpdate(suspendUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  resume(namespace: string, name: string): Promise<JobWithStatus> {
    return this.update(namespace, name, (h) => h.startUpdate(resumeUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  /** `kubectl scale job NAME --replicas=N` sets parallelism. */
  scale(namespace: string, name: string, request: ScaleRequest | number): Promise<JobWithStatus> {
    const req: ScaleRequest = typeof request === 'number' ? { parallelism: request } : request;
    return this.update(namespace, name, (h) => h.startUpdate(scaleUpdate, { args: [req], waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  /**
   * Deletes the Job: a running Job stops its pods (grace period, then SIGKILL) and ends; its execution is
   * then removed. With `wait` (kubectl's default) this returns once the Job no longer exists.
   */
  async delete(namespace: string, name: string, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const desc = await this.describeExecution(namespace, name);
    if (desc.status.name === 'RUNNING') {
      const handle = this.jobHandle(desc);
      try {
        const started = await this.client.withDeadline(Date.now() + this.workerTimeoutMs, () =>
          handle.startUpdate(deleteUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }),
        );
        await started.result();
      } catch (err) {
        const mapped = this.mapUpdateError(namespace, name, desc.taskQueue, err);
        // It finished meanwhile (maybe in a later run than `desc`): remove the finished execution instead.
        if (!(mapped instanceof JobFinishedError && mapped.why === 'finished')) throw mapped;
        await this.removeExecution(await this.describeExecution(namespace, name));
      }
    } else {
      await this.removeExecution(desc);
    }
    if (opts.wait === false) return;
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      try {
        const now = await this.handle(namespace, name).describe();
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

  private async removeExecution(desc: WorkflowExecutionDescription): Promise<void> {
    const { namespace } = this.client.options;
    // Every run of the Job, the final one first (it is what makes the Job gone).
    for (const runId of await runsOfChain(this.client.workflowService, namespace, desc.workflowId, desc.runId)) {
      try {
        await this.client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId: desc.workflowId, runId } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // ---- wait ----------------------------------------------------------------------------------------

  /**
   * `kubectl wait --for=condition=complete|failed|suspended`. Resolves with the Job once the condition is
   * True; WaitTimeoutError after `timeoutMs`; ConditionUnreachableError when the Job finished the other way.
   */
  async wait(
    namespace: string,
    name: string,
    condition: WaitCondition,
    timeoutMs: number,
    onProgress?: (info: JobInfo) => void,
  ): Promise<JobWithStatus> {
    const type = CONDITION_TYPES[condition];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await this.get(namespace, name);
      onProgress?.(info);
      if (conditionTrue(info.job.status, type)) return info.job;
      const end = terminalCondition(info.job.status);
      if (!info.running && end && end !== type) throw new ConditionUnreachableError(namespace, name, condition, end);
      if (!info.running && !end) throw new ConditionUnreachableError(namespace, name, condition, 'ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(namespace, name);
      await sleep(Math.min(500, left));
    }
  }

  // ---- the low-level queries the foundation used -----------------------------------------------------

  status(namespace: string, name: string): Promise<JobStatus> {
    return this.handle(namespace, name).query(statusQuery);
  }

  events(namespace: string, name: string): Promise<JobEvent[]> {
    return this.handle(namespace, name).query(eventsQuery);
  }

  pods(namespace: string, name: string, offset = 0, limit = 100): Promise<PodsPage> {
    return this.handle(namespace, name).query(podsQuery, { offset, limit });
  }

  /** The final Job, its recent pods and events; needs no worker once the Job has ended. */
  result(namespace: string, name: string): Promise<JobResult> {
    return this.handle(namespace, name).result() as Promise<JobResult>;
  }
}

/** The first run of the execution's chain of runs (the run itself where the server does not say). */
function firstRunId(desc: WorkflowExecutionDescription): string {
  return desc.raw.workflowExecutionInfo?.firstRunId || desc.runId;
}

/** The labels a pod of the Job carries, as the controller gives them. */
export function podLabels(job: Job, pod: PodRecord): Record<string, string> {
  return podIdentity(job, pod.index).labels;
}

/** `<job>-<5>` or `<job>-<index>-<5>`: the Job names a pod name can have come from. */
export function jobNamesFromPodName(pod: string): string[] {
  const names: string[] = [];
  const indexed = /^(.+)-\d+-[a-z0-9]{5}$/.exec(pod);
  if (indexed) names.push(indexed[1]);
  const plain = /^(.+)-[a-z0-9]{5}$/.exec(pod);
  if (plain) names.push(plain[1]);
  return names;
}

function dedupeNoWorker(warnings: string[]): string[] {
  // One line per task queue is enough, however many Jobs went unanswered.
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = /task queue "([^"]+)"/.exec(w)?.[1] ?? w;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
