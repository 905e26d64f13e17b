// nodeSelector as Temporal routing: a pod goes to a task queue named after its selector, and a worker
// with node labels polls the queue of every selector those labels satisfy. Pure: the workflow and the
// worker must compute the same names.

/** The task queue of new Jobs' workflows, and of their pods without a nodeSelector, unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'durable-jobs';

/** Past this, a worker would poll 2^n queues (64 at 6 labels): more pollers than a host should run. */
export const MAX_NODE_LABELS = 6;

/**
 * The task queue of a pod: `base` for no selector, otherwise `base@k1=v1,k2=v2` with the keys sorted,
 * so that the same selector always names the same queue whatever the manifest's key order.
 */
export function podTaskQueue(base: string, nodeSelector?: Record<string, string>): string {
  const entries = Object.entries(nodeSelector ?? {});
  if (entries.length === 0) return base;
  return `${base}@${canonical(entries)}`;
}

/**
 * Every queue a worker whose node has `nodeLabels` must poll: `base` (pods without a selector) and one
 * per non-empty subset of the labels, because in Kubernetes a pod fits a node when its nodeSelector is
 * a subset of the node's labels. `base` comes first, then subsets by size and name.
 */
export function nodeTaskQueues(base: string, nodeLabels: Record<string, string>): string[] {
  const entries = sortedEntries(Object.entries(nodeLabels));
  if (entries.length > MAX_NODE_LABELS) {
    throw new Error(
      `a worker takes at most ${MAX_NODE_LABELS} node labels (each subset of them is a task queue to poll: ` +
        `${2 ** entries.length} queues for ${entries.length} labels); got ${entries.map(([k, v]) => `${k}=${v}`).join(',')}`,
    );
  }
  const subsets: Array<Array<[string, string]>> = [];
  for (let mask = 1; mask < 1 << entries.length; mask++) {
    subsets.push(entries.filter((_, i) => (mask & (1 << i)) !== 0));
  }
  subsets.sort((a, b) => a.length - b.length || (canonical(a) < canonical(b) ? -1 : 1));
  return [base, ...subsets.map((s) => `${base}@${canonical(s)}`)];
}

/**
 * `k=v,k2=v2` as `jobctl worker --node-labels` takes it. Kubernetes keys and values contain neither
 * `,` nor `=`, so the split is unambiguous; an empty value (`k=`) is allowed, as in Kubernetes.
 */
export function parseNodeLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`node label "${item}" is not of the form key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (value.includes('=')) throw new Error(`node label "${item}" has more than one "="`);
    if (key in labels && labels[key] !== value) throw new Error(`node label "${key}" is given twice with different values`);
    labels[key] = value;
  }
  return labels;
}

function sortedEntries(entries: Array<[string, string]>): Array<[string, string]> {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function canonical(entries: Array<[string, string]>): string {
  return sortedEntries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
