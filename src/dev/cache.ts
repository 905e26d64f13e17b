// The per-user cache for the locally built Temporal servers, and the locking that lets several test
// files or processes ask for the same build at once. Correctness rests on building into a private
// temp dir and renaming it into place (a rename is atomic, so a half-built dir is never visible);
// the lock only keeps parallel callers from each spending minutes on the same build.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type Log = (msg: string) => void;

/** `$DURABLE_JOBS_CACHE_DIR`, else `$XDG_CACHE_HOME/durable-jobs`, else `~/.cache/durable-jobs`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DURABLE_JOBS_CACHE_DIR) return path.resolve(env.DURABLE_JOBS_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.resolve(env.XDG_CACHE_HOME, 'durable-jobs');
  return path.join(os.homedir(), '.cache', 'durable-jobs');
}

export interface LockOptions {
  log?: Log;
  /** What the holder is doing, for the "waiting for ..." message. */
  what?: string;
  pollMs?: number;
  /** Give up waiting after this long; a cold Go build alone can take 10 minutes. */
  timeoutMs?: number;
  /** A lock held from another host cannot be checked by pid; treat it as stale after this age. */
  foreignStaleMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  since: number;
  token: string;
}

const OWNER_FILE = 'owner.json';
const WAIT_NOTICE_EVERY_MS = 30_000;

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errCode(err) === 'EPERM';
  }
}

async function readOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(path.join(lockDir, OWNER_FILE), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const o = parsed as Record<string, unknown>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.since !== 'number' || typeof o.token !== 'string') {
      return undefined;
    }
    return { pid: o.pid, host: o.host, since: o.since, token: o.token };
  } catch {
    return undefined;
  }
}

function isStale(owner: LockOwner | undefined, foreignStaleMs: number): boolean {
  // The owner file is written before the lock dir appears (see tryAcquire), so a lock without a
  // readable owner was not made by us or was damaged; either way nobody can release it.
  if (!owner) return true;
  if (owner.host === os.hostname()) return !pidAlive(owner.pid);
  return Date.now() - owner.since > foreignStaleMs;
}

async function tryAcquire(lockDir: string): Promise<LockOwner | undefined> {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), token: randomBytes(8).toString('hex') };
  // Prepare the lock dir with its owner file aside, then rename it into place: a rename onto an
  // existing non-empty dir fails, so exactly one caller wins and the winner is always identifiable.
  const staging = `${lockDir}.new-${owner.token}`;
  await fs.mkdir(staging, { recursive: true });
  await fs.writeFile(path.join(staging, OWNER_FILE), JSON.stringify(owner));
  try {
    await fs.rename(staging, lockDir);
    return owner;
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    const code = errCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EISDIR') return undefined;
    throw err;
  }
}

async function breakStale(lockDir: string, seen: LockOwner | undefined): Promise<void> {
  // Move it aside first so two waiters that both saw the same dead owner cannot both delete a
  // lock that a third process took in between.
  const aside = `${lockDir}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(lockDir, aside);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return;
    throw err;
  }
  const moved = await readOwner(aside);
  if (seen && moved && moved.token !== seen.token) {
    // We took a live lock by mistake; give it back. If someone grabbed the path meanwhile, two
    // builders run, which costs time but not correctness (see the header comment).
    await fs.rename(aside, lockDir).catch(() => fs.rm(aside, { recursive: true, force: true }));
    return;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** Runs `fn` while holding the lock at `lockDir` (a directory); waits while another live process holds it. */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const pollMs = opts.pollMs ?? 250;
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const foreignStaleMs = opts.foreignStaleMs ?? 2 * 60 * 60_000;
  const started = Date.now();
  let lastNotice = 0;
  await fs.mkdir(path.dirname(lockDir), { recursive: true });
  let mine: LockOwner | undefined;
  while (!(mine = await tryAcquire(lockDir))) {
    const owner = await readOwner(lockDir);
    if (isStale(owner, foreignStaleMs)) {
      opts.log?.(`removing a stale lock ${lockDir}${owner ? ` (pid ${owner.pid} is gone)` : ''}`);
      await breakStale(lockDir, owner);
      continue;
    }
    const waited = Date.now() - started;
    if (waited > timeoutMs) {
      throw new Error(`timed out after ${Math.round(waited / 1000)} s waiting for the lock ${lockDir} held by pid ${owner?.pid}; ` + `if that process is stuck, stop it or delete the lock dir`);
    }
    if (opts.log && (lastNotice === 0 || Date.now() - lastNotice >= WAIT_NOTICE_EVERY_MS)) {
      lastNotice = Date.now();
      opts.log(`waiting for another process (pid ${owner?.pid}) that is ${opts.what ?? 'using the cache'} (${Math.round(waited / 1000)} s so far)`);
    }
    await sleep(pollMs);
  }
  try {
    return await fn();
  } finally {
    const now = await readOwner(lockDir);
    if (now?.token === mine.token) {
      // Move it away before deleting: removing in place leaves an empty dir for a moment, a waiter's
      // rename onto an empty dir succeeds, and our rmdir would then fail on (or destroy) its lock.
      const released = `${lockDir}.released-${mine.token}`;
      await fs.rename(lockDir, released);
      await fs.rm(released, { recursive: true, force: true });
    }
  }
}

export type EnsureCachedOptions = LockOptions;

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure `finalDir` exists, building it at most once across concurrent callers. `build` fills a
 * fresh temp dir on the same filesystem; it is renamed to `finalDir` only when `build` succeeds.
 * Returns whether this call did the build.
 */
export async function ensureCached(finalDir: string, build: (tmpDir: string) => Promise<void>, opts: EnsureCachedOptions = {}): Promise<{ built: boolean }> {
  if (await exists(finalDir)) return { built: false };
  const parent = path.dirname(finalDir);
  const name = path.basename(finalDir);
  return withLock(
    `${finalDir}.lock`,
    async () => {
      // Someone may have finished the build while we waited for the lock.
      if (await exists(finalDir)) return { built: false };
      await removeAbandonedTemps(parent, name);
      const tmpDir = path.join(parent, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
      await fs.mkdir(tmpDir, { recursive: true });
      try {
        await build(tmpDir);
        await fs.rename(tmpDir, finalDir);
      } catch (err) {
        await fs.rm(tmpDir, { recursive: true, force: true });
        // A lock-less writer (or a lock we had to break) may have won the race: its result is as good.
        if ((errCode(err) === 'ENOTEMPTY' || errCode(err) === 'EEXIST') && (await exists(finalDir))) return { built: false };
        throw err;
      }
      return { built: true };
    },
    opts,
  );
}

/** Temp dirs left by builders that were killed; a cold Go build leaves a few hundred MB behind. */
async function removeAbandonedTemps(parent: string, name: string): Promise<void> {
  const prefix = `.tmp-${name}-`;
  let entries: string[];
  try {
    entries = await fs.readdir(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) await fs.rm(path.join(parent, entry), { recursive: true, force: true });
  }
}
