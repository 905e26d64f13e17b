// Starts a worker: it runs the `job` workflows and the pods of every Job on its task queue, plus, with
// node labels, the pods whose nodeSelector those labels satisfy (one activity-only worker per queue).
//
// This module is also the package's `durable-jobs/worker` entry point: what a program (or jobctl's
// `run`, `dev` and `worker`) needs to host Jobs. It is separate from `durable-jobs` because importing it
// loads Temporal's native worker, which a program that only submits and reads Jobs does not need.
import os from 'node:os';
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions as SdkWorkerOptions } from '@temporalio/worker';
import type { WorkerLog } from './activities/pod-metrics';
import { createActivities, describeIsolation, isolationSupport, type ActivitiesOptions, type Isolation } from './activities';
import { drainCgroupPool } from './activities/cgroup';
import { LauncherProcess } from './activities/launcher-process';
import type { PodLauncher } from './activities/pod-launcher';
import { LocalPods } from './activities/pod-record';
import { PodDirSweeper, SWEEP_EVERY_MS } from './activities/pod-sweeper';
import { removeJobExecution } from './activities/remove-job';
import { DEFAULT_TASK_QUEUE, nodeTaskQueues } from './api/task-queues';
import { ensurePrivateDataDir } from './data-dir/private-files';
import { cachedWorkflowBundle } from './workflow-bundle';
import { EAGER_POD_STARTS_PER_TASK, activityPolls } from './worker-polls';
import { trimCronJobHistory } from './activities/cronjob-history';
import type { WorkerTracing } from './worker-tracing';

export const DEFAULT_MAX_CONCURRENT_PODS = 100;

export interface JobWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** Where pod logs and emptyDir volumes live on this host. */
  dataDir: string;
  /** How many pods this worker runs at once, over all the task queues it polls. */
  maxConcurrentPods?: number;
  identity?: string;
  /** A pre-built bundle; by default the one cached for this version of the code (src/workflow-bundle.ts). */
  workflowBundle?: SdkWorkerOptions['workflowBundle'];
  /** Workflows kept in memory between tasks; 0 turns off sticky task queues (every task replays history). */
  maxCachedWorkflows?: number;
  /** How pods of the process runtime are isolated; see ActivitiesOptions. */
  isolation?: ActivitiesOptions['isolation'];
  /**
   * This host's node labels: besides the task queue, the worker runs the pods whose nodeSelector is a
   * subset of them (src/api/task-queues.ts names the queues). At most 6.
   */
  nodeLabels?: Record<string, string>;
  /**
   * What spawns the pods' processes. By default a launcher process of this worker's own, started on
   * the first pod and ended with the worker (src/activities/launcher-process.ts); benchmarks pass
   * `new DirectLauncher()` to spawn from the worker itself, for comparison.
   */
  launcher?: PodLauncher;
  /**
   * Encrypts and decrypts every payload of the workflows and activities (the clients of the same Jobs
   * need the same keys): `settingsFromEnv().codec` from DURABLE_JOBS_CODEC_KEY_FILE / _KEYS.
   */
  payloadCodec?: PayloadCodec;
  /** Where `env[].valueFrom.secretKeyRef` values are read: `<secretsDir>/<namespace>/<secret>/<key>`. */
  secretsDir?: string;
  /** Host directories every sandboxed pod may write to (the rest of the host is read-only to pods); see ActivitiesOptions. */
  sharedPaths?: ActivitiesOptions['sharedPaths'];
  /** Host paths no sandboxed pod may see, besides the data dir and the worker's Temporal credentials; see ActivitiesOptions. */
  hiddenPaths?: ActivitiesOptions['hiddenPaths'];
  /** 'host' (the default) or 'none': whether sandboxed pods reach the network (and so this worker's Temporal server). */
  podNetwork?: ActivitiesOptions['podNetwork'];
  /** The most processes of one sandboxed container, where cgroups work; see ActivitiesOptions. */
  podPidsLimit?: ActivitiesOptions['podPidsLimit'];
  /** How often leftover pod dirs are looked at (30 s); tests shorten it. */
  sweepEveryMs?: number;
  /**
   * OpenTelemetry spans of the workflows and pods (`startTracing` of src/worker-tracing.ts); the
   * worker flushes them when it stops. A `workflowBundle` passed with it must be the traced one.
   */
  tracing?: WorkerTracing;
  /** Notes (warnings) and per-pod start/end lines, the latter with fields (src/activities/pod-metrics.ts). */
  log?: WorkerLog;
  /** Activity interceptors of every worker this makes (the testing API records what each pod was given). */
  activityInterceptors?: NonNullable<SdkWorkerOptions['interceptors']>['activity'];
}

export { preloadedWorkflowModules, workflowsPath } from './workflow-bundle';

/**
 * The Job worker: an SDK Worker (workflows and pods on the base task queue) that also runs its
 * companions (pods only, one per labelled queue) and the pod-dir sweeper. `run`, `runUntil` and
 * `shutdown` cover all of them, so callers use it as any Worker; `getState` is the main worker's.
 */
export class JobWorker extends Worker {
  private companions: Worker[] = [];
  private sweeper: PodDirSweeper | undefined;
  private launcher: PodLauncher | undefined;
  private queues: string[] = [];
  private tracing: WorkerTracing | undefined;

  /** Every task queue this worker polls, the base queue first. */
  get taskQueues(): readonly string[] {
    return this.queues;
  }

  /** @internal set once by createJobWorker, before run. */
  attach(parts: { companions: Worker[]; sweeper: PodDirSweeper | undefined; queues: string[]; launcher: PodLauncher | undefined; tracing: WorkerTracing | undefined }): void {
    this.tracing = parts.tracing;
    this.companions = parts.companions;
    this.sweeper = parts.sweeper;
    this.queues = parts.queues;
    this.launcher = parts.launcher;
  }

  override async run(): Promise<void> {
    this.sweeper?.start();
    // Whichever stops first, for whatever reason (shutdown, a fatal error), stops the others: a worker
    // that polls only some of its queues would strand pods on the rest.
    const runs = [super.run(), ...this.companions.map((w) => w.run())].map((p) => p.finally(() => this.stopAll()));
    try {
      const settled = await Promise.allSettled(runs);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      await this.sweeper?.stop();
      // Every pod has ended by now (shutdown cancels them and waits for their grace periods).
      await this.launcher?.close();
      // The emptied cgroups kept for later pods: a worker that stops leaves none behind.
      drainCgroupPool();
      // The last pods' spans are still buffered; a collector that is down must not hold the exit.
      await this.tracing?.shutdown().catch(() => undefined);
    }
  }

  override shutdown(): void {
    super.shutdown();
    this.stopCompanions();
  }

  private stopAll(): void {
    if (this.getState() === 'RUNNING') this.shutdown();
    this.stopCompanions();
  }

  private stopCompanions(): void {
    for (const w of this.companions) if (w.getState() === 'RUNNING') w.shutdown();
  }
}

export async function createJobWorker(opts: JobWorkerOptions): Promise<JobWorker> {
  // Log paths in pod records are read back by clients, which trust only absolute ones.
  opts = { ...opts, dataDir: path.resolve(opts.dataDir) };
  const identity = opts.identity ?? `${process.pid}@${os.hostname()}`;
  const namespace = opts.namespace ?? 'default';
  const base = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  const maxPods = opts.maxConcurrentPods ?? DEFAULT_MAX_CONCURRENT_PODS;
  const isolation: Isolation = opts.isolation ?? 'auto';
  const log = opts.log ?? ((m: string) => console.error(m));
  // Checked before anything is created: a bad label set or a missing sandbox starts nothing.
  const queues = opts.nodeLabels ? nodeTaskQueues(base, opts.nodeLabels) : [base];
  const support = await isolationSupport(isolation);
  if (isolation === 'sandbox' && !support.ok) {
    throw new Error(`isolation "sandbox" needs bubblewrap, but ${support.reason}`);
  }
  // Said once, at start: without bwrap, pods can outlive this worker.
  if (isolation === 'auto' && !support.ok) log(await describeIsolation());

  // Logs, volumes and pod records are the pods' own: only this user may read them.
  ensurePrivateDataDir(opts.dataDir);
  const localPods = new LocalPods();
  // Owned here, closed when the worker stops; one passed in belongs to the caller.
  const ownLauncher = opts.launcher ? undefined : new LauncherProcess({ log });
  // Its start (~0.1-0.5 s) is paid now, not by the first pod.
  ownLauncher?.warm();
  const activities = createActivities({
    launcher: opts.launcher ?? ownLauncher,
    dataDir: opts.dataDir,
    workerIdentity: identity,
    log: opts.log,
    isolation,
    localPods,
    maxConcurrentPods: maxPods,
    // The runtime's meter: durable-jobs' metrics share the SDK's Prometheus endpoint, if it has one.
    metricMeter: Runtime.instance().metricMeter,
    ...(opts.secretsDir !== undefined ? { secretsDir: opts.secretsDir } : {}),
    ...(opts.sharedPaths !== undefined ? { sharedPaths: opts.sharedPaths } : {}),
    ...(opts.podNetwork !== undefined ? { podNetwork: opts.podNetwork } : {}),
    ...(opts.hiddenPaths !== undefined ? { hiddenPaths: opts.hiddenPaths } : {}),
    ...(opts.podPidsLimit !== undefined ? { podPidsLimit: opts.podPidsLimit } : {}),
  });
  const common = {
    connection: opts.connection,
    namespace,
    identity,
    maxConcurrentActivityTaskExecutions: maxPods,
    // Pods wait in the task queue until a poll takes them (./worker-polls.ts).
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: activityPolls(maxPods) },
    // The worker's own client (pod announcements, removals, the sweeper) uses it too.
    ...(opts.payloadCodec ? { dataConverter: { payloadCodecs: [opts.payloadCodec] } } : {}),
    // Cancellation reaches a pod only with a heartbeat's response; the SDK's default throttle
    // (0.8 x heartbeatTimeout = 16 s) would let a deleted pod run ~16 s past its deletion.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    // Tracing's first: a pod's span then covers the caller's interceptors too.
    ...(opts.tracing || opts.activityInterceptors
      ? { interceptors: { activity: [...(opts.tracing?.activityInterceptors ?? []), ...(opts.activityInterceptors ?? [])] } }
      : {}),
    // shutdownGraceTime stays 0: on shutdown pods are cancelled at once and the activity gives them
    // their own terminationGracePeriodSeconds (SIGTERM, grace, SIGKILL) before the worker exits.
  } satisfies Partial<SdkWorkerOptions>;

  const main = await JobWorker.create({
    ...common,
    taskQueue: base,
    // Pods the workflow starts come back with its task's completion when a server allows it (./worker-polls.ts).
    maxEagerActivityReservationsPerWorkflowTask: EAGER_POD_STARTS_PER_TASK,
    activities: { ...activities, removeJobExecution, trimCronJobHistory },
    workflowBundle: opts.workflowBundle ?? (await cachedWorkflowBundle(process.env, { traced: opts.tracing !== undefined })),
    ...(opts.tracing ? { sinks: opts.tracing.sinks } : {}),
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
  });
  if (!(main instanceof JobWorker)) throw new Error('the Temporal SDK no longer creates subclass instances in Worker.create');
  const companions: Worker[] = [];
  for (const taskQueue of queues.slice(1)) {
    // No workflows: a labelled queue carries only the pods of Jobs whose workflows run on `base`.
    companions.push(await Worker.create({ ...common, taskQueue, activities }));
  }
  const client = main.client;
  const sweeper = client
    ? new PodDirSweeper({ dataDir: opts.dataDir, client, localPods, everyMs: opts.sweepEveryMs ?? SWEEP_EVERY_MS, log })
    : undefined;
  main.attach({ companions, sweeper, queues, launcher: ownLauncher, tracing: opts.tracing });
  return main;
}

// ---- the rest of the worker host's public surface ------------------------------------------------------
export { DEFAULT_TASK_QUEUE, MAX_NODE_LABELS, parseNodeLabels } from './api/task-queues';
export { defaultDataDir } from './data-dir/layout';
export { secretsDirFor } from './data-dir/secrets-dir';
export { ISOLATION_MODES, isolationSupport, type Isolation, POD_NETWORKS, type PodNetwork, describeLimits, DEFAULT_POD_PIDS_LIMIT } from './activities';
export { startEmbeddedServer, type EmbeddedServer } from './dev/embedded';
export { setup, type SetupOptions, type SetupResult } from './dev/setup';
export {
  quietSdkLogs,
  installRuntime,
  workerLog,
  sdkLogLevel,
  formatJsonLog,
  checkAddress,
  LOG_FORMATS,
  WORKER_LOG_LEVELS,
  type LogFormat,
  type WorkerLogLevel,
  type RuntimeSettings,
} from './runtime-logging';
export type { WorkerLog, PodLogFields } from './activities/pod-metrics';
export { startTracing, tracingSettings, type TracingSettings, type WorkerTracing } from './worker-tracing';
