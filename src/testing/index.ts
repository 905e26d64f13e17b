// `durable-jobs/testing`: run a Job manifest with real local pods in virtual time.
//
//   const env = await JobTestEnvironment.create();
//   const run = await env.run(fs.readFileSync('job.yaml', 'utf8'));
//   assert.equal(run.status.succeeded, 1);
//   await env.teardown();
//
// To look at a Job while it runs (queries, worker shutdowns), start it and drive workers yourself:
//
//   const job = await env.start(manifest);
//   await env.runWorker(async () => { /* poll job.status() ... */ });   // worker stops when this resolves
//   const run = await env.runWorker(() => job.result());
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { parseManifests } from '../api';
import { finishedCondition } from '../api/conditions';
import type { Job, JobStatus } from '../api/types';
import { JobsClient } from '../client/jobs';
import {
  deletePodUpdate,
  deleteUpdate,
  patchUpdate,
  resumeUpdate,
  scaleUpdate,
  suspendUpdate,
  type ContinueAsNewThresholds,
  type JobEvent,
  type JobMergePatch,
  type JobWithStatus,
  type PodRecord,
  type PodsPage,
  type ScaleRequest,
} from '../workflows/messages';
import { createTimeSkippingEnv } from '../dev/servers';
import { createJobWorker } from '../worker';
import { cachedWorkflowBundle, type WorkflowBundleFile } from '../workflow-bundle';
import { quietSdkLogs } from '../runtime-logging';
import type { JobResult } from '../workflows/messages';

export interface JobRun {
  job: Job;
  status: JobStatus;
  /** The Job's recent pods, in the order they finished, with exit codes, reasons, times and log tails. */
  pods: PodRecord[];
  /** Finished pods that fell out of the bounded window `pods` keeps (100 pods). */
  podsDropped: number;
  events: JobEvent[];
  /** The condition that ended the Job (Complete or Failed). */
  outcome: { type: string; reason: string; message: string } | undefined;
}

/**
 * A Job started with `JobTestEnvironment.start`: its workflow handle and typed queries. Queries are
 * answered by a worker, so call them while one runs (inside `runWorker`), or they wait for one.
 */
export interface StartedJob {
  readonly namespace: string;
  readonly name: string;
  /** The Job's workflow; it follows the Job across continue-as-new (firstExecutionRunId is its first run). */
  readonly handle: WorkflowHandleWithFirstExecutionRunId;
  status(): Promise<JobStatus>;
  pods(offset?: number, limit?: number): Promise<PodsPage>;
  events(): Promise<JobEvent[]>;
  /** Waits for the Job's end, skipping time meanwhile. Some worker must be running (see `runWorker`). */
  result(): Promise<JobRun>;
  // Changes, as `jobctl patch / suspend / resume / scale / delete` make them. Each resolves with the Job
  // after the controller acted on it, or rejects (WorkflowUpdateFailedError) with Kubernetes' message.
  patch(patch: JobMergePatch): Promise<JobWithStatus>;
  suspend(): Promise<JobWithStatus>;
  resume(): Promise<JobWithStatus>;
  scale(request: ScaleRequest): Promise<JobWithStatus>;
  /** Resolves once every pod is gone; the Job's workflow then ends. */
  delete(): Promise<JobWithStatus>;
  /**
   * `jobctl delete pod POD [--grace-period N]`: resolves with the pod once its process is gone; rejects
   * with `pods "x" not found` for a pod that has finished or is not this Job's.
   */
  deletePod(pod: string, opts?: { gracePeriodSeconds?: number }): Promise<PodRecord>;
  /** An eviction: a delete that first adds the pod condition DisruptionTarget=True/EvictionByEvictionAPI. */
  evictPod(pod: string, opts?: { gracePeriodSeconds?: number }): Promise<PodRecord>;
}

export interface StartOptions {
  /** Thresholds at which the Job's workflow continues as new: small ones make a few pods cross several runs. */
  continueAsNew?: ContinueAsNewThresholds;
}

export interface TestWorkerOptions {
  /** The worker's identity, recorded as the `worker` of the pods it runs; `<pid>@<host>` by default. */
  identity?: string;
}

export interface JobTestEnvironmentOptions {
  /** Where pods keep logs and emptyDir volumes; a fresh temp dir by default. */
  dataDir?: string;
  /**
   * Host directories the pods may write to (a sandboxed pod sees the rest of the host read-only and
   * has a private /tmp): for tests whose pods leave markers for the test or for each other.
   */
  sharedPaths?: string[];
  log?: (message: string) => void;
}

export class JobTestEnvironment {
  private constructor(
    readonly env: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundleFile,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly log?: (message: string) => void,
    private readonly sharedPaths?: string[],
  ) {}

  /** Starts a time-skipping test server (obtained as `jobctl setup` does); the workflows' bundle comes from the cache. */
  static async create(opts: JobTestEnvironmentOptions = {}): Promise<JobTestEnvironment> {
    // ERROR, not WARN: the SDK warns on every worker that the test server lacks a capability it does not need.
    quietSdkLogs('ERROR');
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-test-'));
    const [env, bundle] = await Promise.all([
      createTimeSkippingEnv({ log: opts.log }),
      cachedWorkflowBundle(),
    ]);
    return new JobTestEnvironment(env, bundle, dataDir, opts.dataDir === undefined, opts.log, opts.sharedPaths);
  }

  get jobs(): JobsClient {
    return new JobsClient(this.env.client, { taskQueue: this.taskQueue });
  }

  /** The task queue this environment's workers poll (for tests that start workflows themselves). */
  get taskQueue(): string {
    return `durable-jobs-test-${process.pid}`;
  }

  /** Runs a Job (a manifest's text or a parsed Job) to its end, skipping time while it waits. */
  async run(manifest: string | Job): Promise<JobRun> {
    return this.runWorker(async () => {
      const started = await this.start(manifest);
      return started.result();
    });
  }

  /**
   * Creates a Job without waiting for it. Nothing runs until a worker does: pair it with `runWorker`.
   * Time skips only while something awaits `result()`; queries alone leave the clock alone.
   */
  async start(manifest: string | Job, opts: StartOptions = {}): Promise<StartedJob> {
    const job = toJob(manifest);
    const jobs = this.jobs;
    const { namespace, name } = job.metadata;
    const handle = await jobs.create(job, opts);
    return {
      namespace,
      name,
      handle,
      status: () => jobs.status(namespace, name),
      pods: (offset, limit) => jobs.pods(namespace, name, offset, limit),
      events: () => jobs.events(namespace, name),
      result: async () => toRun(await jobs.result(namespace, name)),
      patch: (p) => handle.executeUpdate(patchUpdate, { args: [p] }),
      suspend: () => handle.executeUpdate(suspendUpdate),
      resume: () => handle.executeUpdate(resumeUpdate),
      scale: (r) => handle.executeUpdate(scaleUpdate, { args: [r] }),
      delete: () => handle.executeUpdate(deleteUpdate),
      deletePod: (pod, o = {}) => handle.executeUpdate(deletePodUpdate, { args: [{ pod, ...o }] }),
      evictPod: (pod, o = {}) => handle.executeUpdate(deletePodUpdate, { args: [{ pod, ...o, eviction: true }] }),
    };
  }

  /**
   * Runs a fresh worker on this environment's task queue until `fn` settles, then shuts the worker down
   * (its running pods are cancelled as on any worker shutdown) and returns what `fn` returned.
   *
   * Test workers keep no workflows cached, so they poll no sticky task queue: the time-skipping test
   * server never moves a workflow task off a stopped worker's sticky queue (a real server does after
   * a few seconds), which would strand a Job whose worker was shut down. As a bonus every workflow
   * task replays the Job's history from the start, so nondeterminism shows up in any test.
   */
  async runWorker<T>(fn: (worker: Worker) => Promise<T>, opts: TestWorkerOptions = {}): Promise<T> {
    const worker = await createJobWorker({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      dataDir: this.dataDir,
      workflowBundle: this.bundle,
      log: this.log ?? (() => undefined),
      maxCachedWorkflows: 0,
      ...(this.sharedPaths !== undefined ? { sharedPaths: this.sharedPaths } : {}),
      ...(opts.identity !== undefined ? { identity: opts.identity } : {}),
    });
    return worker.runUntil(() => fn(worker));
  }

  async teardown(): Promise<void> {
    await this.env.teardown();
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function toJob(manifest: string | Job): Job {
  return typeof manifest === 'string' ? single(parseManifests(manifest, 'manifest')) : manifest;
}

function single(jobs: Job[]): Job {
  if (jobs.length !== 1) throw new Error(`expected exactly one Job in the manifest, found ${jobs.length}`);
  return jobs[0];
}

export function toRun(result: JobResult): JobRun {
  const outcome = finishedCondition(result.job.status);
  return {
    job: result.job,
    status: result.job.status,
    pods: result.pods,
    podsDropped: result.podsDropped,
    events: result.events,
    outcome: outcome && { type: outcome.type, reason: outcome.reason, message: outcome.message },
  };
}
