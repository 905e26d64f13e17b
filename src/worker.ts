// Starts a worker: it runs the `job` workflows and the pods of every Job on its task queue.
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions as SdkWorkerOptions } from '@temporalio/worker';
import { createActivities, describeIsolation, sandboxSupport, type ActivitiesOptions } from './activities';
import { removeJobExecution } from './activities/remove-job';

export const DEFAULT_TASK_QUEUE = 'durable-jobs';

export interface JobWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** Where pod logs and emptyDir volumes live on this host. */
  dataDir: string;
  /** How many pods this worker runs at once. */
  maxConcurrentPods?: number;
  identity?: string;
  /** A pre-built bundle (tests build one per file); otherwise the workflows are bundled at start. */
  workflowBundle?: SdkWorkerOptions['workflowBundle'];
  /** Workflows kept in memory between tasks; 0 turns off sticky task queues (every task replays history). */
  maxCachedWorkflows?: number;
  /** How pods of the process runtime are isolated; see ActivitiesOptions. */
  isolation?: ActivitiesOptions['isolation'];
  log?: (message: string) => void;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DURABLE_JOBS_HOME) return env.DURABLE_JOBS_HOME;
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'durable-jobs');
}

export function workflowsPath(): string {
  return require.resolve('./workflows');
}

export async function createJobWorker(opts: JobWorkerOptions): Promise<Worker> {
  const identity = opts.identity ?? `${process.pid}@${os.hostname()}`;
  const activities = createActivities({ dataDir: opts.dataDir, workerIdentity: identity, log: opts.log, isolation: opts.isolation });
  // Said once, at start: without bwrap, pods can outlive this worker.
  if ((opts.isolation ?? 'auto') === 'auto' && !(await sandboxSupport()).ok) {
    (opts.log ?? ((m: string) => console.error(m)))(await describeIsolation());
  }
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    identity,
    activities: { ...activities, removeJobExecution },
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: workflowsPath() }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentPods ?? 100,
    // Cancellation reaches a pod only with a heartbeat's response; the SDK's default throttle
    // (0.8 x heartbeatTimeout = 16 s) would let a deleted pod run ~16 s past its deletion.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    // shutdownGraceTime stays 0: on shutdown pods are cancelled at once and the activity gives them
    // their own terminationGracePeriodSeconds (SIGTERM, grace, SIGKILL) before the worker exits.
  });
}
