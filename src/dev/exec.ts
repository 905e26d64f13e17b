// Finding programs on PATH and running long builds with a visible heartbeat.
import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Log } from './cache';

export async function isExecutableFile(p: string): Promise<boolean> {
  try {
    const st = await fs.stat(p);
    if (!st.isFile()) return false;
    await fs.access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `which`: the first executable `cmd` on `PATH`, read at call time so tests can change it. */
export async function findOnPath(cmd: string, envPath: string | undefined = process.env.PATH): Promise<string | undefined> {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, cmd);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Log;
  /** Names the work in progress lines, e.g. "building the Temporal CLI". */
  label: string;
  progressEveryMs?: number;
  /** Extra words for each progress line, e.g. a count of compiled packages. */
  progress?: () => string;
  /** Sees every stderr line (the tool's own progress, e.g. `go install -v` package names). */
  onStderrLine?: (line: string) => void;
  /** Lines to leave out of the failure tail, so progress chatter does not push out the error. */
  isNoise?: (line: string) => boolean;
  tailLines?: number;
}

/** Runs a command quietly, with a progress line every 30 s; on failure rejects with the tail of its output. */
export function runWithProgress(cmd: string, args: string[], opts: RunOptions): Promise<void> {
  const tailLines = opts.tailLines ?? 30;
  const tail: string[] = [];
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (line: string): void => {
      if (opts.isNoise?.(line)) return;
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
    };
    const lines = (onLine: (line: string) => void) => {
      let partial = '';
      return (chunk: Buffer): void => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const l of parts) onLine(l);
      };
    };
    child.stdout.on('data', lines(keep));
    child.stderr.on(
      'data',
      lines((l) => {
        keep(l);
        opts.onStderrLine?.(l);
      }),
    );
    const timer = setInterval(() => {
      const extra = opts.progress?.();
      opts.log(`... still ${opts.label}: ${formatDuration(Date.now() - started)} elapsed${extra ? `, ${extra}` : ''}`);
    }, opts.progressEveryMs ?? 30_000);
    // Don't let a progress timer keep a process alive that is otherwise done.
    timer.unref();
    child.on('error', (err) => {
      clearInterval(timer);
      reject(new Error(`could not run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) return resolve();
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const shown = tail.filter((l) => l.trim() !== '').join('\n');
      reject(new Error(`${cmd} ${args.join(' ')} ${why} after ${formatDuration(Date.now() - started)}; last output:\n${shown}`));
    });
  });
}
