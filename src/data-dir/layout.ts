// Where a worker keeps its files on a host, and how they are named. The pod activity writes there and the
// client reads there (`jobctl logs`, `logs -f`), so the layout lives below both of them, once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `DURABLE_JOBS_HOME`, else `$XDG_DATA_HOME/durable-jobs`, else `~/.local/share/durable-jobs`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DURABLE_JOBS_HOME) return env.DURABLE_JOBS_HOME;
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'durable-jobs');
}

/** Names come validated as DNS labels; this keeps a bad one from climbing out of the data dir. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? `_${cleaned}` : cleaned;
}

/** `<dataDir>/logs/<namespace>/<pod>/<container>-<restartCount>.log`: one run of a container's full log. */
export function podLogFile(dataDir: string, namespace: string, pod: string, container: string, restartCount: number): string {
  return path.join(dataDir, 'logs', safeSegment(namespace), safeSegment(pod), `${safeSegment(container)}-${restartCount}.log`);
}

/**
 * Whether `file` (a path a pod's record names) is that container run's log in some data dir: absolute,
 * normalized, ending in `logs/<namespace>/<pod>/<container>-<restartCount>.log`. A record is workflow
 * state, which anyone with Temporal access could have forged: a client reads only a file this says is a log.
 */
export function isPodLogFile(file: string, namespace: string, pod: string, container: string, restartCount: number): boolean {
  const suffix = path.join(path.sep, 'logs', safeSegment(namespace), safeSegment(pod), `${safeSegment(container)}-${restartCount}.log`);
  return path.isAbsolute(file) && path.normalize(file) === file && file.endsWith(suffix);
}

/** The highest restartCount of the container with a log on this host. */
export function latestLogRestart(dataDir: string, namespace: string, pod: string, container: string): number | undefined {
  const dir = path.dirname(podLogFile(dataDir, namespace, pod, container, 0));
  const prefix = `${safeSegment(container)}-`;
  let latest: number | undefined;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.log')) continue;
    const n = name.slice(prefix.length, -'.log'.length);
    if (!/^\d+$/.test(n)) continue;
    latest = Math.max(latest ?? 0, Number(n));
  }
  return latest;
}
