// `get -w` / `--watch-only`: kubectl prints the listing, then a line for each object that changes, until
// Ctrl-C. Temporal has no watch on a Job's state, so the listing is read again every second and each object
// whose Kubernetes form changed (or that appeared or went away) is printed once more.
import { NotFoundError } from '../../client';
import type { KubeObject } from '../format';

export interface WatchOptions {
  watchOnly: boolean;
  /** Objects asked for by name: each must exist when the watch starts, as kubectl's GET before WATCH. */
  names: string[];
  resource: 'jobs' | 'pods' | 'events';
  namespace?: string;
  intervalMs?: number;
  /** Stops the watch; SIGINT and SIGTERM stop it too. */
  signal?: AbortSignal;
}

/** Changed, new or gone since `before` (keyed by namespace/name), in the order `after` lists them, the gone last. */
export function changes<T>(before: ReadonlyMap<string, { json: string; item: T }>, after: ReadonlyMap<string, { json: string; item: T }>): T[] {
  const out: T[] = [];
  for (const [key, now] of after) if (before.get(key)?.json !== now.json) out.push(now.item);
  for (const [key, was] of before) if (!after.has(key)) out.push(was.item);
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

export async function watchItems<T>(
  kind: { kube(item: T): KubeObject; key(item: T): string },
  read: () => Promise<T[]>,
  print: (items: T[], header: boolean) => void,
  opts: WatchOptions,
): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  opts.signal?.addEventListener('abort', onSignal);
  const snapshot = (items: T[]) => new Map(items.map((item) => [kind.key(item), { json: JSON.stringify(kind.kube(item)), item }]));
  try {
    const first = await read();
    for (const name of opts.names) {
      if (!first.some((i) => kind.key(i).endsWith(`/${name}`))) throw new NotFoundError(opts.namespace ?? 'default', name, opts.resource === 'pods' ? 'pods' : 'jobs');
    }
    let seen = snapshot(first);
    let headerDue = true;
    if (!opts.watchOnly && first.length > 0) {
      print(first, true);
      headerDue = false;
    }
    while (!stop.signal.aborted) {
      await sleep(opts.intervalMs ?? 1000, stop.signal);
      if (stop.signal.aborted) break;
      const next = snapshot(await read());
      const changed = changes(seen, next);
      seen = next;
      if (changed.length === 0) continue;
      print(changed, headerDue);
      headerDue = false;
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    opts.signal?.removeEventListener('abort', onSignal);
  }
}
