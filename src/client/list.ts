// Which Jobs and pods a listing returns: a visibility query (server-side where the search attributes
// exist), then each Job read as `get` reads it, filtered by namespace, name and label selector.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { parseSelector, selectorMatchesLabels, type SelectorRequirement } from '../api/label-selector';
import { JOB_NAME_LABEL, LEGACY_JOB_NAME_LABEL } from '../api/labels';
import { podIdentity } from '../api/pod-identity';
import type { Job } from '../api/types';
import type { PodRecord } from '../workflows/messages';
import type { ClientContext } from './context';
import { NotFoundError } from './errors';
import { readJob } from './read';
import { isNotFound } from './temporal-errors';
import type { JobDetails, ListOptions, ListResult, PodRow } from './types';
import { listQuery, parseJobWorkflowId } from './visibility';

function selectorOf(opts: ListOptions): readonly SelectorRequirement[] {
  return typeof opts.selector === 'string' ? parseSelector(opts.selector) : (opts.selector ?? []);
}

async function executions(
  ctx: ClientContext,
  filter: { namespace?: string; name?: string; selector: readonly SelectorRequirement[] },
  warnings: string[],
): Promise<WorkflowExecutionInfo[]> {
  const support = await ctx.searchAttributes();
  if (!support.ok) warnings.push(`listing by workflow id and filtering here: ${support.reason}`);
  const query = listQuery(filter, support.ok);
  const byId = new Map<string, WorkflowExecutionInfo>();
  for await (const wf of ctx.client.workflow.list({ query })) {
    const ref = parseJobWorkflowId(wf.workflowId);
    if (!ref) continue;
    if (filter.namespace !== undefined && ref.namespace !== filter.namespace) continue;
    if (filter.name !== undefined && ref.name !== filter.name) continue;
    if (wf.status.name === 'CONTINUED_AS_NEW') continue;
    // Visibility lags: just after a continue-as-new the old run may still list as running beside the
    // new one. One row per Job: its latest run.
    const seen = byId.get(wf.workflowId);
    if (!seen || wf.startTime > seen.startTime) byId.set(wf.workflowId, wf);
  }
  return [...byId.values()];
}

/** Jobs sorted by namespace and name; with `details`, their pods and events too (and no label filter). */
export async function listJobs(ctx: ClientContext, opts: ListOptions, details: boolean, nameHint?: string): Promise<ListResult<JobDetails>> {
  const selector = selectorOf(opts);
  const warnings: string[] = [];
  const execs = await executions(ctx, { namespace: opts.namespace, name: nameHint, selector: details ? [] : selector }, warnings);
  const infos = await mapLimit(execs, 8, async (wf) => {
    try {
      return await readJob(ctx, wf, { details });
    } catch (err) {
      // Deleted (or removed) between the listing and the read.
      if (err instanceof NotFoundError || isNotFound(err)) return undefined;
      throw err;
    }
  });
  const items: JobDetails[] = [];
  for (const info of infos) {
    if (!info) continue;
    if (info.warning && !warnings.includes(info.warning)) warnings.push(info.warning);
    if (!details && !selectorMatchesLabels(selector, info.job.metadata.labels)) continue;
    items.push(info);
  }
  items.sort((a, b) => a.job.metadata.namespace.localeCompare(b.job.metadata.namespace) || a.job.metadata.name.localeCompare(b.job.metadata.name));
  return { items, warnings: dedupeNoWorker(warnings) };
}

/** Pods of the Jobs; the selector applies to the pods' labels, and a job-name label narrows to one Job. */
export async function listPods(ctx: ClientContext, opts: ListOptions): Promise<ListResult<PodRow>> {
  const selector = selectorOf(opts);
  const byName = selector.find((r) => r.operator === '=' && (r.key === LEGACY_JOB_NAME_LABEL || r.key === JOB_NAME_LABEL));
  const res = await listJobs(ctx, { namespace: opts.namespace }, true, byName?.values[0]);
  const items: PodRow[] = [];
  for (const d of res.items) {
    for (const pod of d.pods) {
      if (selectorMatchesLabels(selector, podLabels(d.job, pod))) items.push({ job: d.job, pod });
    }
  }
  return { items, warnings: res.warnings };
}

/** The labels a pod of the Job carries, as the controller gives them. */
export function podLabels(job: Job, pod: PodRecord): Record<string, string> {
  return podIdentity(job, pod.index).labels;
}

/** `<job>-<5>` or `<job>-<index>-<5>`: the Job names a pod name can have come from. */
export function jobNamesFromPodName(pod: string): string[] {
  const names: string[] = [];
  const indexed = /^(.+)-\d+-[a-z0-9]{5}$/.exec(pod);
  if (indexed) names.push(indexed[1]);
  const plain = /^(.+)-[a-z0-9]{5}$/.exec(pod);
  if (plain) names.push(plain[1]);
  return names;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

function dedupeNoWorker(warnings: string[]): string[] {
  // One line per task queue is enough, however many Jobs went unanswered.
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = /task queue "([^"]+)"/.exec(w)?.[1] ?? w;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
