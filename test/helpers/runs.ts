// Helpers for workflow tests: scratch directories shared by pods, polling, and pod timelines.
import { after, afterEach, before, beforeEach } from 'node:test';
import { JobTestEnvironment, type JobRun, type StartOptions } from '../../src/testing';
import type { Job } from '../../src/api/types';
import { peakOverlap } from '../../src/testing/run-report';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PodRecord } from '../../src/controller/state';

/** Kubernetes' alphabet for the 5 random characters of a generated name. */
export const SUFFIX = '[bcdfghjklmnpqrstvwxz2456789]{5}';

/** A fresh directory that the pods of one test share (markers, pid files); removed by `cleanup`. */
export interface Scratch {
  dir: string;
  cleanup: () => void;
}

export function scratchDir(prefix: string, parent = os.tmpdir()): Scratch {
  const dir = fs.mkdtempSync(path.join(parent, `dj-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Polls `probe` every 200 ms (real time) until it returns something other than undefined. Not faster: a
 * probe is mostly a query, which a worker that keeps no workflows cached answers by replaying the Job's
 * whole history (at 50 ms, most of such a file's CPU).
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function ms(iso: string | undefined): number {
  if (iso === undefined) throw new Error('missing timestamp');
  return Date.parse(iso);
}

/**
 * The most pods running (or, with `from: 'creationTimestamp'`, existing) at one instant, from each
 * pod's [startTime, finishedAt) in workflow time. A pod that finishes at the instant another starts
 * does not overlap it.
 */
export function maxOverlap(pods: PodRecord[], from: 'startTime' | 'creationTimestamp' = 'startTime'): number {
  return peakOverlap(pods.map((p) => [ms(p[from]), ms(p.finishedAt)]));
}

/**
 * Asserts `actual` is in [expected, expected + tolerance) and says which gap it was. Virtual time skips
 * only while the worker is idle, so a busy machine adds real seconds: the default tolerance grows with
 * the gap, but stays below the next backoff step (twice the gap), which it must still tell apart.
 */
export function assertGap(actual: number, expected: number, what: string, tolerance = Math.max(1_500, expected / 2)): void {
  if (!(actual >= expected && actual < expected + tolerance)) {
    throw new Error(`${what}: ${actual} ms, expected ${expected} ms (+${tolerance} ms)`);
  }
}

/** Pods in creation order (the result lists them as they finished); same-sync pods by index. */
export function byCreation(pods: PodRecord[]): PodRecord[] {
  return [...pods].sort((a, b) => ms(a.creationTimestamp) - ms(b.creationTimestamp) || (a.index ?? 0) - (b.index ?? 0));
}

export interface JobEnvironmentOptions {
  /**
   * One worker for the whole suite, started before its first test and stopped after its last: tests
   * then `start` Jobs and await `result()` (or `ctx.run`) without a worker of their own. Each worker
   * costs about half a CPU-second to start; only tests that stop or replace a worker need their own.
   * `cached` keeps the suite's Jobs in that worker's memory between tasks (queries and tasks then do
   * not replay the whole history), which is safe because the worker outlives every Job it runs.
   */
  sharedWorker?: 'cached' | 'uncached';
}

export interface JobEnvironment {
  readonly env: JobTestEnvironment;
  readonly scratch: Scratch;
  /** Starts a Job and waits for its end on the suite's shared worker (`sharedWorker`). */
  run(manifest: Job, opts?: StartOptions): Promise<JobRun>;
}

/**
 * One JobTestEnvironment per suite and a fresh scratch dir per test. Call it inside `describe`; the
 * getters are valid inside tests and hooks.
 */
export function useJobEnvironment(prefix: string, opts: JobEnvironmentOptions = {}): JobEnvironment {
  let env: JobTestEnvironment | undefined;
  let scratch: Scratch | undefined;
  // Sandboxed pods see the host read-only and have their own /tmp: the scratch dirs live in one
  // directory that the suite's workers share with their pods.
  let shared: Scratch | undefined;
  let stopWorker: (() => void) | undefined;
  let workerDone: Promise<void> | undefined;
  before(async () => {
    shared = scratchDir(`${prefix}-shared`);
    env = await JobTestEnvironment.create({ sharedPaths: [shared.dir] });
    if (opts.sharedWorker) {
      const e = env;
      const running = new Promise<void>((ready) => {
        workerDone = e.runWorker(
          () => {
            ready();
            return new Promise<void>((resolve) => (stopWorker = resolve));
          },
          opts.sharedWorker === 'cached' ? { maxCachedWorkflows: 100 } : {},
        );
      });
      // A worker that fails to start fails the suite here, not each test by a stuck Job.
      await Promise.race([running, workerDone]);
    }
  });
  // Teardown stops a worker that a test which timed out left running (and fails that test's pending
  // waits); the guard loaded into every test process (helpers/guard.ts) ends a process kept alive anyway.
  after(async () => {
    stopWorker?.();
    await workerDone?.catch(() => undefined);
    await env?.teardown();
    shared?.cleanup();
  });
  beforeEach(() => {
    scratch = scratchDir(prefix, shared?.dir);
  });
  afterEach(() => scratch?.cleanup());
  const ctx: JobEnvironment = {
    get env() {
      if (!env) throw new Error('the test environment is not ready: use it inside tests and hooks');
      return env;
    },
    get scratch() {
      if (!scratch) throw new Error('the scratch dir exists only inside a test');
      return scratch;
    },
    async run(manifest, o = {}) {
      if (!opts.sharedWorker) throw new Error('ctx.run needs useJobEnvironment(..., { sharedWorker })');
      return (await ctx.env.start(manifest, o)).result();
    },
  };
  return ctx;
}
