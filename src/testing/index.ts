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
//
// What the time-skipping test server gets wrong, and what this module does about it, is said where it
// is done: time-locks.ts (time stops skipping after a delete, a terminate or a TTL removal),
// stuck-task.ts (a task the server never hands out again), and `start` (a deleted Job's name).
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure, msToTs } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { parseManifests } from '../api';
import type { Job, JobStatus } from '../api/types';
import { AlreadyExistsError, JobsClient } from '../client/jobs';
import {
  deletePodUpdate,
  deleteUpdate,
  patchUpdate,
  resumeUpdate,
  scaleUpdate,
  suspendUpdate,
  type ContinueAsNewThresholds,
  type JobEvent,
  type JobInput,
  type JobMergePatch,
  type JobWithStatus,
  type PodRecord,
  type PodsPage,
  type ScaleRequest,
} from '../workflows/messages';
import { jobResultOf } from '../workflows/job-ending';
import { createTimeSkippingEnv } from '../dev/servers';
import { createJobWorker } from '../worker';
import { cachedWorkflowBundle, type WorkflowBundleFile } from '../workflow-bundle';
import { quietSdkLogs } from '../runtime-logging';
import { PodCapture, toRun, type JobRun } from './run-report';
import { StuckTaskWatch } from './stuck-task';
import { TimeLockLedger, type TestService } from './time-locks';

export type { CreatedPod, JobRun } from './run-report';
export { peakActive } from './run-report';
export { StuckWorkflowTaskError } from './stuck-task';
// What a test needs to start a Job from a state of its own choosing, or the workflow by hand.
export { initialState, type JobState, type PodRecord } from '../controller/state';
export { withControllerUid } from '../api/labels';
export { JOB_WORKFLOW_TYPE, jobWorkflowId, type JobInput, type JobResult } from '../workflows/messages';

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
  /**
   * Waits for the Job's end, skipping time meanwhile. Some worker must be running (see `runWorker`).
   * Rejects with StuckWorkflowTaskError, naming the history's last events, if the Job stops moving.
   */
  result(opts?: WaitOptions): Promise<JobRun>;
  // Changes, as `jobctl patch / suspend / resume / scale / delete` make them. Each resolves with the Job
  // after the controller acted on it, or rejects with a WorkflowUpdateFailedError whose message is
  // Kubernetes' (its cause is the ApplicationFailure, whose type says why: Invalid, Finished, Deleting).
  patch(patch: JobMergePatch): Promise<JobWithStatus>;
  suspend(): Promise<JobWithStatus>;
  resume(): Promise<JobWithStatus>;
  scale(request: ScaleRequest): Promise<JobWithStatus>;
  /** Resolves once every pod is gone and the Job's workflow has closed; the name can then be reused. */
  delete(): Promise<JobWithStatus>;
  /**
   * `jobctl delete pod POD [--grace-period N]`: resolves with the pod once its process is gone; rejects
   * with `pods "x" not found` for a pod that has finished or is not this Job's.
   */
  deletePod(pod: string, opts?: { gracePeriodSeconds?: number }): Promise<PodRecord>;
  /** An eviction: a delete that first adds the pod condition DisruptionTarget=True/EvictionByEvictionAPI. */
  evictPod(pod: string, opts?: { gracePeriodSeconds?: number }): Promise<PodRecord>;
  /** Terminates the Job's workflow (an operator's `temporal workflow terminate`); its pods are cancelled by their worker. */
  terminate(reason?: string): Promise<void>;
}

export interface WaitOptions {
  /** This wait's bound on one outstanding workflow task (see JobTestEnvironmentOptions.stuckTaskMs). */
  stuckTaskMs?: number;
}

export interface StartOptions {
  /** Thresholds at which the Job's workflow continues as new: small ones make a few pods cross several runs. */
  continueAsNew?: ContinueAsNewThresholds;
  /** The controller's state to start from (see `initialState`); the workflow refuses an inconsistent one. */
  state?: JobInput['state'];
}

export interface TestWorkerOptions {
  /** The worker's identity, recorded as the `worker` of the pods it runs; `<pid>@<host>` by default. */
  identity?: string;
  /**
   * Stops the worker (its pods get their grace period) and rejects when aborted: pass node:test's
   * `t.signal`, so that a test that times out does not leave its worker running.
   */
  signal?: AbortSignal;
  /**
   * Workflows the worker keeps in memory between tasks; 0 by default (see `runWorker`). Only for a worker
   * that outlives every Job it runs, such as one worker for a whole test file: a Job whose worker stopped
   * while it kept the Job cached is stranded on that worker's sticky queue.
   */
  maxCachedWorkflows?: number;
}

export interface JobTestEnvironmentOptions {
  /** Where pods keep logs and emptyDir volumes; a fresh temp dir by default. */
  dataDir?: string;
  /**
   * Host directories the pods may write to (a sandboxed pod sees the rest of the host read-only and
   * has a private /tmp): for tests whose pods leave markers for the test or for each other.
   */
  sharedPaths?: string[];
  /** The task queue of the Jobs and the workers; `durable-jobs-test-<pid>` by default. */
  taskQueue?: string;
  /**
   * How long (real time) one workflow task of an awaited Job may stay outstanding before the wait fails
   * with StuckWorkflowTaskError; 60 s by default (a task that runs that long has timed out many times).
   */
  stuckTaskMs?: number;
  log?: (message: string) => void;
}

const DEFAULT_STUCK_TASK_MS = 60_000;
/**
 * Waits skip virtual time in steps of these sizes rather than leaving it unlocked until the Job ends: the
 * server never removes an ended activity's timeout timers (ten years out for a pod), so a clock left
 * unlocked jumped there the moment the Job ended and later Jobs ran ten years on.
 */
const MIN_STEP_MS = 1_000;
const MAX_STEP_MS = 3_600_000;
/** How often a wait looks for stray time locks and stuck tasks (real time). */
const WATCH_EVERY_MS = 300;

export class JobTestEnvironment {
  private readonly ledger: TimeLockLedger;
  /** A client whose waits leave time alone: waits skip time themselves, a step at a time. */
  private readonly plain: Client;
  private readonly testService: TestService;
  /**
   * The watches' own client: no retries (the SDK retries a failed call on a timer, which throws outside
   * any promise once teardown has closed the channel) and room for a history of megabytes (a Job with a
   * large pod template), which the server sends in one message.
   */
  private readonly watchClient: Client;
  private readonly capture = new PodCapture();
  /** Workers running now, each with the abort that stops it (teardown stops them all). */
  private readonly workers = new Set<AbortController>();
  /** Waits in progress, each with how to end it (teardown ends them all). */
  private readonly waits = new Set<(err: Error) => void>();
  /**
   * Cancels the client calls of waits and of `runWorker` functions at teardown: a call still in flight
   * when the server goes would be retried by the SDK on a closed channel, which throws outside any promise.
   */
  private readonly calls = new AbortController();
  private closed = false;

  private constructor(
    private readonly watchConnection: Connection,
    readonly env: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundleFile,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly opts: JobTestEnvironmentOptions,
  ) {
    const testService = env.connection.testService as TestService | undefined;
    if (!testService) throw new Error('the time-skipping test server has no test service');
    this.testService = testService;
    this.watchClient = new Client({ connection: watchConnection, namespace: env.namespace ?? 'default' });
    this.ledger = new TimeLockLedger(this.watchClient, testService);
    this.plain = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    // Every call in flight listens on it; a test's polling has many.
    setMaxListeners(0, this.calls.signal);
  }

  /** Starts a time-skipping test server (obtained as `jobctl setup` does); the workflows' bundle comes from the cache. */
  static async create(opts: JobTestEnvironmentOptions = {}): Promise<JobTestEnvironment> {
    // ERROR, not WARN: the SDK warns on every worker that the test server lacks a capability it does not need.
    quietSdkLogs('ERROR');
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-test-'));
    const [env, bundle] = await Promise.all([createTimeSkippingEnv({ log: opts.log }), cachedWorkflowBundle()]);
    const watchConnection = await Connection.connect({
      address: env.address,
      interceptors: [],
      channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
    });
    return new JobTestEnvironment(watchConnection, env, bundle, dataDir, opts.dataDir === undefined, opts);
  }

  get jobs(): JobsClient {
    return new JobsClient(this.env.client, { taskQueue: this.taskQueue });
  }

  /** The task queue this environment's workers poll (for tests that start workflows themselves). */
  get taskQueue(): string {
    return this.opts.taskQueue ?? `durable-jobs-test-${process.pid}`;
  }

  /** Stray time locks released so far (see time-locks.ts): for tests of this module. */
  get strayTimeLocksReleased(): number {
    return this.ledger.released;
  }

  /** Runs a Job (a manifest's text or a parsed Job) to its end, skipping time while it waits. */
  async run(manifest: string | Job, opts: StartOptions & TestWorkerOptions = {}): Promise<JobRun> {
    return this.runWorker(async () => {
      const started = await this.start(manifest, opts);
      return started.result();
    }, opts);
  }

  /**
   * Lets `ms` of virtual time pass (skipping it while nothing runs), without waiting on any Job: for
   * tests that look at a Job midway (a deadline not reached yet, a TTL not expired yet).
   */
  async sleep(ms: number): Promise<void> {
    this.assertOpen();
    // Stray locks already left are released before the sleep starts, not some ticks into it.
    await this.inScope(() => this.ledger.settle());
    await this.watched(() => this.env.sleep(ms), []);
  }

  /** The environment's virtual time (epoch ms). */
  async currentTimeMs(): Promise<number> {
    return this.env.currentTimeMs();
  }

  /**
   * Creates a Job without waiting for it. Nothing runs until a worker does: pair it with `runWorker`.
   * Time skips only while something awaits `result()` or `sleep()`; queries alone leave the clock alone.
   * A name is free again once its Job was deleted (the test server keeps the deleted Job's execution,
   * which a real server removes; a new Job of that name replaces it).
   */
  async start(manifest: string | Job, opts: StartOptions = {}): Promise<StartedJob> {
    this.assertOpen();
    const job = toJob(manifest);
    const jobs = this.jobs;
    const { namespace, name } = job.metadata;
    const create = { ...(opts.continueAsNew ? { continueAsNew: opts.continueAsNew } : {}), ...(opts.state ? { state: opts.state } : {}) };
    let handle: WorkflowHandleWithFirstExecutionRunId;
    try {
      handle = await jobs.create(job, create);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError) || !(await this.wasDeleted(jobs, namespace, name))) throw err;
      handle = await jobs.create(job, { ...create, replaceClosed: true });
    }
    this.ledger.watch(handle.workflowId, handle.firstExecutionRunId);
    const label = `${namespace}/${name}`;
    const watch = [{ workflowId: handle.workflowId, label }];
    const plainJobs = new JobsClient(this.plain, { taskQueue: this.taskQueue });
    const closedRun = () =>
      this.stepping(() =>
        this.plain.workflow.getHandle(handle.workflowId).result().then(
          () => undefined,
          () => undefined,
        ),
      );
    return {
      namespace,
      name,
      handle,
      status: () => jobs.status(namespace, name),
      pods: (offset, limit) => jobs.pods(namespace, name, offset, limit),
      events: () => jobs.events(namespace, name),
      result: async (o) => toRun(await this.watched(() => this.stepping(() => plainJobs.result(namespace, name)), watch, o?.stuckTaskMs), this.capture),
      patch: (p) => refused(handle.executeUpdate(patchUpdate, { args: [p] })),
      suspend: () => refused(handle.executeUpdate(suspendUpdate)),
      resume: () => refused(handle.executeUpdate(resumeUpdate)),
      scale: (r) => refused(handle.executeUpdate(scaleUpdate, { args: [r] })),
      delete: async () => {
        const deleted = await refused(handle.executeUpdate(deleteUpdate));
        await this.watched(closedRun, watch);
        return deleted;
      },
      terminate: async (reason) => {
        await this.env.client.workflow.getHandle(handle.workflowId).terminate(reason);
        await this.ledger.settle();
      },
      deletePod: (pod, o = {}) => refused(handle.executeUpdate(deletePodUpdate, { args: [{ pod, ...o }] })),
      evictPod: (pod, o = {}) => refused(handle.executeUpdate(deletePodUpdate, { args: [{ pod, ...o, eviction: true }] })),
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
    this.assertOpen();
    const worker = await createJobWorker({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      dataDir: this.dataDir,
      workflowBundle: this.bundle,
      log: this.opts.log ?? (() => undefined),
      maxCachedWorkflows: opts.maxCachedWorkflows ?? 0,
      activityInterceptors: [this.capture.interceptor],
      ...(this.opts.sharedPaths !== undefined ? { sharedPaths: this.opts.sharedPaths } : {}),
      ...(opts.identity !== undefined ? { identity: opts.identity } : {}),
    });
    const stop = new AbortController();
    const onAbort = () => stop.abort(opts.signal?.reason);
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.workers.add(stop);
    // Aborted, `fn` is abandoned: the rejection makes runUntil shut the worker down and wait for it.
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(stop.signal.reason instanceof Error ? stop.signal.reason : new Error('the test worker was stopped (its test timed out or the environment was torn down)'));
      if (stop.signal.aborted) fail();
      else stop.signal.addEventListener('abort', fail, { once: true });
    });
    try {
      return await worker.runUntil(() => Promise.race([this.inScope(() => fn(worker)), aborted]));
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.workers.delete(stop);
    }
  }

  /**
   * Stops everything: waits still pending reject, running workers stop (their pods get their grace
   * period), then the server. Safe to call with calls pending, and more than once.
   */
  async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new Error('the test environment was torn down while this call was pending');
    for (const end of [...this.waits]) end(gone);
    this.calls.abort(gone);
    const stopping = [...this.workers].map((stop) => {
      stop.abort(gone);
      return new Promise<void>((resolve) => {
        const check = () => (this.workers.has(stop) ? setTimeout(check, 20) : resolve());
        check();
      });
    });
    await Promise.all(stopping);
    await this.watchConnection.close();
    await this.env.teardown();
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /**
   * Runs `call` (a wait that leaves time alone) while letting virtual time pass a step at a time. A step
   * that passed at once (nothing ran, time skipped) doubles the next one, up to MAX_STEP_MS; one that took
   * real time (a pod ran meanwhile) starts again from MIN_STEP_MS. The step in flight when `call`
   * settles runs out by itself: the clock goes at most that far past the end of what was awaited.
   */
  private async stepping<T>(call: () => Promise<T>): Promise<T> {
    let settled = false;
    void (async () => {
      let step = MIN_STEP_MS;
      while (!settled) {
        const began = Date.now();
        await this.testService.unlockTimeSkippingWithSleep({ duration: msToTs(step) });
        step = Date.now() - began < step / 2 ? Math.min(step * 2, MAX_STEP_MS) : MIN_STEP_MS;
      }
    })().catch(() => undefined);
    try {
      return await call();
    } finally {
      settled = true;
    }
  }

  private inScope<T>(fn: () => Promise<T>): Promise<T> {
    return this.env.connection.withAbortSignal(this.calls.signal, fn);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the test environment has been torn down');
  }

  /** Whether the Job of that name closed because it was deleted. */
  private async wasDeleted(jobs: JobsClient, namespace: string, name: string): Promise<boolean> {
    const handle = jobs.handle(namespace, name);
    if ((await handle.describe()).status.name === 'RUNNING') return false;
    try {
      return (await jobResultOf(handle.result())).deleted === true;
    } catch {
      return false;
    }
  }

  /**
   * Waits for `what` while releasing stray time locks and watching the Jobs named for a stuck workflow
   * task; teardown ends the wait.
   */
  private watched<T>(call: () => Promise<T>, jobs: Array<{ workflowId: string; label: string }>, stuckTaskMs?: number): Promise<T> {
    this.assertOpen();
    const what = this.inScope(call);
    // A wait ended early (stuck, torn down) abandons `what`: its own rejection must not go unhandled.
    what.catch(() => undefined);
    const bound = stuckTaskMs ?? this.opts.stuckTaskMs ?? DEFAULT_STUCK_TASK_MS;
    const watches = jobs.map((j) => new StuckTaskWatch(this.watchClient, j.workflowId, j.label, bound));
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const end = (err: Error) => finish(() => reject(err));
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waits.delete(end);
        settle();
      };
      this.waits.add(end);
      what.then(
        (v) => finish(() => resolve(v)),
        (err: unknown) => finish(() => reject(err)),
      );
      const tick = async () => {
        try {
          await this.inScope(async () => {
            await this.ledger.settle();
            for (const w of watches) await w.check();
          });
        } catch (err) {
          if (err instanceof Error && err.name === 'StuckWorkflowTaskError') return end(err);
          // Anything else (the server busy, a history not there yet) is looked at again on the next tick.
        }
        if (!done) timer = setTimeout(() => void tick(), WATCH_EVERY_MS);
      };
      void tick();
    });
  }
}

/** A refused change rejects with Kubernetes' message on top (the SDK's says only "Workflow Update failed"). */
async function refused<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      throw new WorkflowUpdateFailedError(err.cause.message, err.cause);
    }
    throw err;
  }
}

function toJob(manifest: string | Job): Job {
  return typeof manifest === 'string' ? single(parseManifests(manifest, 'manifest')) : manifest;
}

function single(jobs: Job[]): Job {
  if (jobs.length !== 1) throw new Error(`expected exactly one Job in the manifest, found ${jobs.length}`);
  return jobs[0];
}

export { toRun };
