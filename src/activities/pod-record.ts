// What a worker host knows about its pods between runs of their containers: a `pod.json` in each pod
// dir naming the Job workflow run that owns the pod (so a sweeper can ask Temporal whether the pod still
// exists), and which pod dirs a runPod of this process is using right now (never swept).
import fs from 'node:fs';
import path from 'node:path';
import { mkdirPrivate, writePrivateFile } from '../data-dir/private-files';
import { podDir } from './volumes';

export const POD_RECORD_FILE = 'pod.json';

export interface PodDirRecord {
  namespace: string;
  pod: string;
  /** The Job workflow run that started the pod (activity info's workflowExecution). */
  workflowId: string;
  runId: string;
}

/** Written with a rename, so a reader sees the whole record or none. */
export function writePodRecord(dataDir: string, record: PodDirRecord): void {
  const dir = podDir(dataDir, record.namespace, record.pod);
  mkdirPrivate(dir);
  const file = path.join(dir, POD_RECORD_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writePrivateFile(tmp, `${JSON.stringify(record)}\n`);
  fs.renameSync(tmp, file);
}

/** Undefined when the dir has no readable, well-formed record. */
export function readPodRecord(dir: string): PodDirRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(dir, POD_RECORD_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  const fields = ['namespace', 'pod', 'workflowId', 'runId'] as const;
  if (!fields.every((f) => typeof r[f] === 'string' && r[f] !== '')) return undefined;
  return { namespace: r.namespace as string, pod: r.pod as string, workflowId: r.workflowId as string, runId: r.runId as string };
}

/**
 * Pod dirs a runPod of this process is using. Counted, not a set: a pod's activity can overlap its own
 * previous attempt for a moment (a cancelled run still cleaning up while the next one starts).
 */
export class LocalPods {
  private readonly uses = new Map<string, number>();

  enter(dir: string): void {
    this.uses.set(dir, (this.uses.get(dir) ?? 0) + 1);
  }

  leave(dir: string): void {
    const n = (this.uses.get(dir) ?? 0) - 1;
    if (n > 0) this.uses.set(dir, n);
    else this.uses.delete(dir);
  }

  has(dir: string): boolean {
    return this.uses.has(dir);
  }

  get size(): number {
    return this.uses.size;
  }
}

/**
 * A process-wide cap on running pods. A worker with node labels polls several task queues, each with
 * its own SDK slot limit, so the SDK alone would let it run `queues x max` pods. A pod that gets a
 * task while the host is full waits here (heartbeating, cancellable), as a scheduled pod waits in
 * Pending for its node's resources.
 */
export class PodSlots {
  private running = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`max concurrent pods must be a positive integer, got ${max}`);
  }

  /** Resolves with a release function, or rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal, whileWaiting?: () => void, everyMs = 1_000): Promise<() => void> {
    const grant = (): (() => void) => {
      this.running += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.running -= 1;
        this.waiters.shift()?.();
      };
    };
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (this.running < this.max && this.waiters.length === 0) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      const timer = whileWaiting ? setInterval(whileWaiting, everyMs) : undefined;
      const wake = (): void => {
        cleanup();
        resolve(grant());
      };
      const onAbort = (): void => {
        cleanup();
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortReason(signal));
      };
      const cleanup = (): void => {
        if (timer) clearInterval(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  get inUse(): number {
    return this.running;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}
