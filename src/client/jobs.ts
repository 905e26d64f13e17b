// The typed client for Jobs: kubectl's verbs, with Temporal as the API server. A Job is the workflow
// `job/<namespace>/<name>`; its live state comes from queries (a worker answers them), a finished Job's
// from the workflow result (no worker needed), and changes go through updates. This class is the one
// front door; what each verb decides lives beside it (read, list, create, changes, wait, logs).
import { jobResultOf } from '../workflows/job-ending';
import { WorkflowUpdateStage, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { checkJobObjectLimits, checkValueLimits } from '../api/input-limits';
import { parseManifests } from '../api/manifest';
import { DEFAULT_TASK_QUEUE } from '../api/task-queues';
import type { Job, JobStatus } from '../api/types';
import {
  eventsQuery,
  patchUpdate,
  podsQuery,
  resumeUpdate,
  scaleUpdate,
  statusQuery,
  suspendUpdate,
  type JobEvent,
  type JobMergePatch,
  type JobResult,
  type JobWithStatus,
  type PodDeletionRequest,
  type PodRecord,
  type PodsPage,
  type ScaleRequest,
} from '../workflows/messages';
import { deleteJob, deletePod, updateJob } from './changes';
import type { ClientContext } from './context';
import { applyPatch, createJob, type CreateOptions } from './create';
import { AlreadyExistsError, NotFoundError } from './errors';
import { jobNamesFromPodName, listJobs, listPods } from './list';
import { podLogs, firstPod, LogsError, type LogOptions, type PodLogs } from './logs';
import { describeExecution, jobHandle, readJob } from './read';
import { ensureJobSearchAttributes, type SearchAttributeSupport } from './search-attributes';
import type { ApplyAction, EventRow, JobDetails, JobInfo, JobsClientOptions, ListOptions, ListResult, PodRow, WaitCondition } from './types';
import { waitForCondition } from './wait';

export { AlreadyExistsError } from './errors';
export { jobNamesFromPodName, podLabels } from './list';
export type { ApplyAction, EventRow, JobDetails, JobInfo, JobSource, JobsClientOptions, ListOptions, ListResult, PodRow, WaitCondition } from './types';


export interface PodDeletionOptions {
  /** Overrides the pod's terminationGracePeriodSeconds; 0 kills at once. */
  gracePeriodSeconds?: number;
  /** kubectl's default: return once the pod's process is gone. */
  wait?: boolean;
}

function podDeletion(pod: string, opts: PodDeletionOptions, eviction: boolean): PodDeletionRequest {
  const request: PodDeletionRequest = { pod };
  if (opts.gracePeriodSeconds !== undefined) request.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (eviction) request.eviction = true;
  return request;
}

export class JobsClient {
  readonly taskQueue: string;
  private readonly dataDir: string | undefined;
  private readonly ctx: ClientContext;
  private attributes: Promise<SearchAttributeSupport> | undefined;

  constructor(
    readonly client: Client,
    opts: JobsClientOptions = {},
  ) {
    this.taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.dataDir = opts.dataDir;
    this.ctx = {
      client,
      taskQueue: this.taskQueue,
      workerTimeoutMs: opts.workerTimeoutMs ?? 5_000,
      searchAttributes: () => this.searchAttributes(),
    };
  }

  /** Whether the Job search attributes are registered (added once if they are missing and we may). */
  searchAttributes(): Promise<SearchAttributeSupport> {
    this.attributes ??= ensureJobSearchAttributes(this.client);
    return this.attributes;
  }

  handle(namespace: string, name: string): WorkflowHandle {
    return jobHandle(this.ctx, namespace, name);
  }

  // ---- create / apply ------------------------------------------------------------------------------

  /**
   * Creates the Job: starts its workflow. A Job of that name in that namespace that still exists, running
   * or finished, makes this fail with AlreadyExistsError; only a deleted Job frees its name.
   */
  create(job: Job, opts: CreateOptions = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
    return createJob(this.ctx, job, opts);
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
    checkJobObjectLimits(job);
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
    const patch = applyPatch(current.job, job);
    if (patch === undefined) return 'unchanged';
    await this.patch(job.metadata.namespace, job.metadata.name, patch);
    return 'configured';
  }

  // ---- read ----------------------------------------------------------------------------------------

  /** The Job with its status (`kubectl get job NAME`). */
  async get(namespace: string, name: string): Promise<JobInfo> {
    const { pods: _p, podsDropped: _d, events: _e, ...info } = await readJob(this.ctx, await describeExecution(this.ctx, namespace, name), { details: false });
    return info;
  }

  /** The Job, its pods and its events (`kubectl describe job NAME`). */
  async describe(namespace: string, name: string): Promise<JobDetails> {
    return readJob(this.ctx, await describeExecution(this.ctx, namespace, name), { details: true });
  }

  /** Jobs of a namespace (or all), selected by labels (`kubectl get jobs -l ...`), sorted by namespace and name. */
  async list(opts: ListOptions = {}): Promise<ListResult<JobInfo>> {
    const res = await listJobs(this.ctx, opts, false);
    return { items: res.items.map(({ pods: _p, podsDropped: _d, events: _e, ...info }) => info), warnings: res.warnings };
  }

  /** Pods of the Jobs (`kubectl get pods -l job-name=X`); the selector applies to the pods' labels. */
  listPods(opts: ListOptions = {}): Promise<ListResult<PodRow>> {
    return listPods(this.ctx, opts);
  }

  /** Events of the Jobs of a namespace (or all), each with its Job (`kubectl get events`); no selector applies. */
  async listEvents(opts: Pick<ListOptions, 'namespace'> = {}): Promise<ListResult<EventRow>> {
    const res = await listJobs(this.ctx, { namespace: opts.namespace }, true);
    return { items: res.items.flatMap((d) => d.events.map((event) => ({ job: d.job, event }))), warnings: res.warnings };
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

  /** `kubectl patch job NAME --type=merge -p PATCH`. */
  async patch(namespace: string, name: string, patch: JobMergePatch): Promise<JobWithStatus> {
    checkValueLimits(patch, 'the patch');
    return updateJob(this.ctx, namespace, name, (h) => h.startUpdate(patchUpdate, { args: [patch], waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  suspend(namespace: string, name: string): Promise<JobWithStatus> {
    return updateJob(this.ctx, namespace, name, (h) => h.startUpdate(suspendUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  resume(namespace: string, name: string): Promise<JobWithStatus> {
    return updateJob(this.ctx, namespace, name, (h) => h.startUpdate(resumeUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  /** `kubectl scale job NAME --replicas=N` sets parallelism. */
  scale(namespace: string, name: string, request: ScaleRequest | number): Promise<JobWithStatus> {
    const req: ScaleRequest = typeof request === 'number' ? { parallelism: request } : request;
    return updateJob(this.ctx, namespace, name, (h) => h.startUpdate(scaleUpdate, { args: [req], waitForStage: WorkflowUpdateStage.ACCEPTED }));
  }

  /**
   * Deletes the Job: a running Job stops its pods (grace period, then SIGKILL) and ends; its execution is
   * then removed. With `wait` (kubectl's default) this returns once the Job no longer exists.
   */
  delete(namespace: string, name: string, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
    return deleteJob(this.ctx, namespace, name, opts);
  }

  /**
   * `kubectl delete pod POD [--grace-period N]` for a pod of Job `job`: the pod stops counting as active,
   * is terminated (SIGTERM, the grace period, SIGKILL) and is counted as Kubernetes counts an externally
   * deleted pod (podReplacementPolicy). Resolves with the pod once its process is gone (`wait: false`:
   * once the Job accepted the deletion, with undefined). NotFoundError (pods) for a pod that has finished
   * or is not the Job's. `gracePeriodSeconds` 0 kills at once (kubectl's `--force`).
   */
  deletePod(namespace: string, job: string, pod: string, opts: PodDeletionOptions = {}): Promise<PodRecord | undefined> {
    return deletePod(this.ctx, namespace, job, podDeletion(pod, opts, false), opts);
  }

  /**
   * The Eviction API on a pod of Job `job`: a delete that first adds the pod condition
   * `DisruptionTarget=True` (reason EvictionByEvictionAPI), which podFailurePolicy `onPodConditions` can match.
   */
  evictPod(namespace: string, job: string, pod: string, opts: PodDeletionOptions = {}): Promise<PodRecord | undefined> {
    return deletePod(this.ctx, namespace, job, podDeletion(pod, opts, true), opts);
  }

  /** The Job a pod's name says it belongs to, among the Jobs its name can have come from; NotFoundError (pods) if none holds it. */
  async jobOfPod(namespace: string, pod: string): Promise<string> {
    return (await this.getPod(namespace, pod)).details.job.metadata.name;
  }

  // ---- wait ----------------------------------------------------------------------------------------

  /**
   * `kubectl wait --for=condition=complete|failed|suspended`. Resolves with the Job once the condition is
   * True; WaitTimeoutError after `timeoutMs`; ConditionUnreachableError when the Job finished the other way.
   */
  wait(namespace: string, name: string, condition: WaitCondition, timeoutMs: number, onProgress?: (info: JobInfo) => void): Promise<JobWithStatus> {
    return waitForCondition(() => this.get(namespace, name), { namespace, name }, condition, timeoutMs, onProgress);
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
    return jobResultOf(this.handle(namespace, name).result());
  }
}
