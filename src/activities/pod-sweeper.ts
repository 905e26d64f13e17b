// Removes pod dirs (emptyDir volumes) whose pod no longer exists. runPod removes a pod's dir when the
// pod ends, but not when it ends without a run on this host: an OnFailure pod waiting for its in-place
// restart when its Job fails, is deleted or hits its deadline; or a pod whose worker was killed. The
// sweeper asks the Job's workflow (named in the dir's pod.json) whether the pod is still unfinished.
import fs from 'node:fs';
import path from 'node:path';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { readPodRecord, type LocalPods, type PodDirRecord } from './pod-record';

export const SWEEP_EVERY_MS = 30_000;
const RPC_TIMEOUT_MS = 10_000;
const PAGE = 1000;

// temporal.api.enums.v1.WorkflowExecutionStatus
const RUNNING = 1;
const CONTINUED_AS_NEW = 6;
const NOT_FOUND = 5;

/** The parts of the `pods` query's answer (src/workflows/messages.ts PodsPage) the sweeper reads. */
interface PodsPageView {
  items: Array<{ name: string; phase: string; finishedAt?: string }>;
  total: number;
}

export interface SweepReport {
  removed: string[];
  kept: number;
  /** Dirs without a readable pod.json or whose owner could not be asked; left alone. */
  skipped: number;
}

export interface PodDirSweeperOptions {
  dataDir: string;
  client: Client;
  localPods: LocalPods;
  everyMs?: number;
  log?: (message: string) => void;
}

export class PodDirSweeper {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<SweepReport> | undefined;
  private stopped = false;

  constructor(private readonly opts: PodDirSweeperOptions) {}

  /** Sweeps now and then every `everyMs` until `stop`. */
  start(): void {
    if (this.timer || this.stopped) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.opts.everyMs ?? SWEEP_EVERY_MS);
    // A sweeper alone must not keep a process alive.
    this.timer.unref();
  }

  /**
   * Stops the timer. A sweep in progress removes nothing more, and is not waited for: its question to
   * Temporal may hang until its deadline when the worker that would answer it has just stopped.
   */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }

  /** One pass over every pod dir; passes never overlap (a slow server would stack them up). */
  sweep(): Promise<SweepReport> {
    if (this.current) return this.current;
    const run = this.sweepOnce().finally(() => {
      this.current = undefined;
    });
    this.current = run;
    run.catch((err: unknown) => this.opts.log?.(`durable-jobs: pod dir sweep failed: ${errorMessage(err)}`));
    return run;
  }

  private async sweepOnce(): Promise<SweepReport> {
    const report: SweepReport = { removed: [], kept: 0, skipped: 0 };
    // One answer per Job run per pass, however many of its pods left dirs here.
    const alivePods = new Map<string, Promise<Set<string> | undefined>>();
    for (const dir of podDirs(this.opts.dataDir)) {
      if (this.stopped) break;
      if (this.opts.localPods.has(dir)) {
        report.kept++;
        continue;
      }
      const record = readPodRecord(dir);
      if (!record) {
        report.skipped++;
        continue;
      }
      const key = `${record.workflowId}\u0000${record.runId}`;
      let alive = alivePods.get(key);
      if (!alive) {
        alive = this.unfinishedPods(record).catch((err: unknown) => {
          this.opts.log?.(`durable-jobs: cannot ask Job ${record.workflowId} about its pods: ${errorMessage(err)}`);
          return undefined;
        });
        alivePods.set(key, alive);
      }
      const pods = await alive;
      if (this.stopped) break;
      if (pods === undefined) {
        report.skipped++;
        continue;
      }
      // A runPod may have started while we asked; such a pod is alive anyway, but never race it.
      if (pods.has(record.pod) || this.opts.localPods.has(dir)) {
        report.kept++;
        continue;
      }
      try {
        fs.rmSync(dir, { recursive: true, force: true });
        report.removed.push(dir);
      } catch (err) {
        this.opts.log?.(`durable-jobs: cannot remove the volumes of pod ${record.pod}: ${errorMessage(err)}`);
        report.skipped++;
      }
    }
    return report;
  }

  /**
   * Names of the pods of the Job run that are not finished; empty when the run is closed or gone.
   * Undefined (keep everything) when Temporal cannot tell.
   */
  private async unfinishedPods(record: PodDirRecord): Promise<Set<string> | undefined> {
    const { client } = this.opts;
    const namespace = client.options.namespace;
    let runId: string | undefined = record.runId;
    let status: number | undefined;
    try {
      status = await this.withDeadline(async () => {
        const d = await client.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: record.workflowId, runId } });
        return d.workflowExecutionInfo?.status ?? undefined;
      });
      if (status === CONTINUED_AS_NEW) {
        // The pod may live on in the newest run of the chain; pod names carry a random suffix, so a
        // new Job that reused the name cannot claim it.
        runId = undefined;
        status = await this.withDeadline(async () => {
          const d = await client.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: record.workflowId } });
          return d.workflowExecutionInfo?.status ?? undefined;
        });
      }
    } catch (err) {
      // A deleted Job's execution is removed from Temporal: its pods are gone with it.
      if (isGrpcServiceError(err) && err.code === NOT_FOUND) return new Set();
      throw err;
    }
    if (status !== RUNNING) return new Set();

    const handle = client.workflow.getHandle(record.workflowId, runId);
    const unfinished = new Set<string>();
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.withDeadline(() => handle.query<PodsPageView, [{ offset: number; limit: number }]>('pods', { offset, limit: PAGE }));
      for (const p of page.items) {
        if (p.phase !== 'Succeeded' && p.phase !== 'Failed' && p.finishedAt === undefined) unfinished.add(p.name);
      }
      if (page.items.length === 0 || offset + page.items.length >= page.total) break;
    }
    return unfinished;
  }

  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.opts.client.connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, fn);
  }
}

/** `<dataDir>/pods/<namespace>/<pod>` for every pod dir on this host. */
export function podDirs(dataDir: string): string[] {
  const root = path.join(dataDir, 'pods');
  const dirs: string[] = [];
  for (const ns of subdirs(root)) for (const pod of subdirs(path.join(root, ns))) dirs.push(path.join(root, ns, pod));
  return dirs;
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
