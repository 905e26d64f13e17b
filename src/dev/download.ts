// The SDK's own route: TestWorkflowEnvironment downloads its server from temporal.download. It stays
// the first choice for users with the internet, so it is tried before any build; a failure is
// remembered (in this process, and for an hour across processes) so that offline machines don't pay
// for it on every environment a test file creates.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDir, type Log } from './cache';
import { formatDuration } from './exec';

/** The SDK downloads only the first two; a cluster server is always ours (see servers.ts). */
export type ServerKind = 'dev-server' | 'test-server' | 'cluster-server';

export const DOWNLOAD_FAILURE_TTL_MS = 60 * 60_000;
/** A real first download is tens of MB; a blocked network fails in milliseconds (DNS) or hangs. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000;

interface Failure {
  at: number;
  reason: string;
}

/** Keyed by marker path, so a different cache dir (as in tests) starts with a clean slate. */
const remembered = new Map<string, Failure>();

function markerPath(kind: ServerKind): string {
  return path.join(cacheDir(), `sdk-download-failed-${kind}.json`);
}

function downloadTimeoutMs(): number {
  const v = Number(process.env.DURABLE_JOBS_DOWNLOAD_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_DOWNLOAD_TIMEOUT_MS;
}

async function readMarker(kind: ServerKind): Promise<Failure | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(markerPath(kind), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { at, reason } = parsed as Record<string, unknown>;
    return typeof at === 'number' && typeof reason === 'string' ? { at, reason } : undefined;
  } catch {
    return undefined;
  }
}

async function remember(kind: ServerKind, reason: string): Promise<void> {
  const failure = { at: Date.now(), reason };
  const file = markerPath(kind);
  remembered.set(file, failure);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(failure));
    await fs.rename(tmp, file);
  } catch {
    // The in-process memory is enough to avoid retrying here; the marker is only an optimisation.
  }
}

async function forget(kind: ServerKind): Promise<void> {
  remembered.delete(markerPath(kind));
  await fs.rm(markerPath(kind), { force: true });
}

/** Why the download route should be skipped now, or undefined to try it. */
export async function downloadSkipReason(kind: ServerKind): Promise<string | undefined> {
  if (process.env.DURABLE_JOBS_NO_DOWNLOAD === '1') return 'skipped because DURABLE_JOBS_NO_DOWNLOAD=1';
  const failure = remembered.get(markerPath(kind)) ?? (await readMarker(kind));
  if (failure && Date.now() - failure.at < DOWNLOAD_FAILURE_TTL_MS) {
    const ago = formatDuration(Date.now() - failure.at);
    return `skipped: it failed ${ago} ago (retried after 1 h; delete ${markerPath(kind)} to retry now): ${failure.reason}`;
  }
  return undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type DownloadOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Runs `start` (which lets the SDK download and start its server) with a timeout. The SDK's call
 * cannot be cancelled, so when it finishes after the timeout its result is handed to `dispose`.
 */
export async function attemptDownload<T>(kind: ServerKind, start: () => Promise<T>, dispose: (value: T) => Promise<void>, log: Log): Promise<DownloadOutcome<T>> {
  const timeoutMs = downloadTimeoutMs();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = start();
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const first = await Promise.race([attempt, deadline]);
    if (first === 'timeout') {
      timedOut = true;
      const reason = `timed out after ${formatDuration(timeoutMs)} (set DURABLE_JOBS_DOWNLOAD_TIMEOUT_MS to wait longer)`;
      attempt.then(
        (late) => {
          log(`the SDK's download for the ${kind} finished after the timeout; stopping that server`);
          return dispose(late);
        },
        () => undefined,
      );
      await remember(kind, reason);
      return { ok: false, reason };
    }
    await forget(kind).catch(() => undefined);
    return { ok: true, value: first as T };
  } catch (err) {
    const reason = message(err);
    // Only a failed download says the network is unusable; a start failure (say, a busy port) is
    // about this call's options and must not stop the next call from downloading.
    if (/download/i.test(reason)) await remember(kind, reason);
    return { ok: false, reason };
  } finally {
    if (timer && !timedOut) clearTimeout(timer);
  }
}

/** Where the SDK keeps its downloads (core's default is the OS temp dir), for setup's report. */
export async function sdkDownloadedPath(kind: ServerKind): Promise<string> {
  const prefix = kind === 'dev-server' ? 'temporal-sdk-typescript-' : 'temporal-test-server-sdk-typescript-';
  const dir = os.tmpdir();
  try {
    const names = (await fs.readdir(dir)).filter((n) => n.startsWith(prefix) && !n.endsWith('.downloading'));
    const withTimes = await Promise.all(names.map(async (n) => ({ n, t: (await fs.stat(path.join(dir, n))).mtimeMs })));
    withTimes.sort((a, b) => b.t - a.t);
    if (withTimes[0]) return path.join(dir, withTimes[0].n);
  } catch {
    // fall through to the pattern
  }
  return path.join(dir, `${prefix}*`);
}
