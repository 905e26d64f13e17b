// A private PostgreSQL for running the Temporal server as a cluster does: its own data dir, a loopback
// port and a unix socket in that dir, stopped with the caller. Debian's packages put the binaries in
// /usr/lib/postgresql/<major>/bin, off PATH; `scripts/host-deps.sh --cluster` installs them.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Log } from './cache';
import { findOnPath, isExecutableFile } from './exec';
import { killGroupNow } from './kill-group';

export interface Postgres {
  host: string;
  port: number;
  /** The superuser, who connects without a password from loopback (trust auth: a throwaway cluster). */
  user: string;
  dataDir: string;
  stop(): Promise<void>;
  /**
   * Ends PostgreSQL and removes its data at once, synchronously (immediate shutdown, then SIGKILL to its
   * process group): for exit and signal handlers, where `stop` cannot be awaited.
   */
  killNow(): void;
}

export interface PostgresOptions {
  host: string;
  port: number;
  user?: string;
  log?: Log;
}

/** `initdb`, `postgres` and `pg_isready`: PG_BIN_DIR, else the newest Debian major, else PATH. */
export async function findPostgresBin(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  try {
    const majors = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // Not Debian's layout.
  }
  for (const dir of candidates) if (await isExecutableFile(path.join(dir, 'initdb'))) return dir;
  const onPath = await findOnPath('initdb');
  if (onPath) return path.dirname(onPath);
  throw new Error('PostgreSQL is not installed (no initdb in PG_BIN_DIR, /usr/lib/postgresql/*/bin or on PATH); run `bash scripts/host-deps.sh --cluster` or `apt-get install postgresql`');
}

/** PostgreSQL refuses to run as root; root runs it as the `postgres` user the Debian package creates. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, PostgreSQL needs a non-root user to run as, and there is no `postgres` user (install the postgresql package)');
  }
}

export async function startPostgres(opts: PostgresOptions): Promise<Postgres> {
  const bin = await findPostgresBin();
  const user = opts.user ?? 'temporal';
  const owner = runAs();
  // Its own temp dir (data and socket), removed on stop: when PostgreSQL runs as another user, no
  // private dir of the caller's (a 0700 mkdtemp) would be reachable for it.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'durable-jobs-pg-'));
  const dataDir = path.join(dir, 'data');
  let child: ChildProcess | undefined;
  let gone = false;
  let exited: Promise<number | null> = Promise.resolve(null);
  try {
    if (owner) await fs.chown(dir, owner.uid, owner.gid);
    await promisify(execFile)(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { ...owner, env: { ...process.env, LC_ALL: 'C' }, timeout: 300_000 },
    );
    child = spawn(
      path.join(bin, 'postgres'),
      // A throwaway cluster: durability across a machine crash buys nothing, and fsync costs seconds per test.
      ['-D', dataDir, '-h', opts.host, '-p', String(opts.port), '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      // Its own process group, so that killNow reaches its backends too.
      { ...owner, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const started = child;
    exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    void exited.then(() => (gone = true));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (gone) throw new Error(`postgres exited while starting:\n${stderr}`);
      const ready = await promisify(execFile)(path.join(bin, 'pg_isready'), ['-h', opts.host, '-p', String(opts.port), '-U', user], { timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) {
        throw new Error(`postgres did not accept connections within 120 s:\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (err) {
    killGroupNow(child?.pid);
    await exited;
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  opts.log?.(`PostgreSQL (${bin}) on ${opts.host}:${opts.port}`);
  return {
    host: opts.host,
    port: opts.port,
    user,
    dataDir,
    async stop() {
      if (!gone) {
        // SIGINT is PostgreSQL's "fast" shutdown: it ends sessions and exits without waiting for clients.
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
    killNow() {
      // SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint, but it still removes its shared memory.
      if (!gone) killGroupNow(child.pid, 'SIGQUIT', 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
