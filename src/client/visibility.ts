// Visibility queries for listing Jobs: server-side where the Job search attributes exist, otherwise by
// workflow id prefix (every Job's id is `job/<namespace>/<name>`) with the rest filtered on the client.
import type { SelectorRequirement } from '../api/label-selector';
import { JOB_WORKFLOW_TYPE } from '../workflows/messages';

export interface ListFilter {
  /** Kubernetes namespace; undefined lists every namespace (`-A`). */
  namespace?: string;
  /** Only this Job name (a `job-name=X` pod selector narrows to one Job). */
  name?: string;
  selector?: readonly SelectorRequirement[];
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The query, and whether every selector requirement was expressed in it. `=` and `in` map to the
 * KeywordList's "contains"; the negative operators and existence tests cannot be said of `k=v` entries,
 * so they are always checked again on the client (which is also where a Job's current labels are).
 */
export function listQuery(filter: ListFilter, withAttributes: boolean): string {
  // A Job is one workflow id across runs: the runs that continued as new are not Jobs of their own.
  const parts = [`WorkflowType = ${quote(JOB_WORKFLOW_TYPE)}`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (!withAttributes) {
    const prefix = filter.namespace === undefined ? 'job/' : filter.name !== undefined ? `job/${filter.namespace}/${filter.name}` : `job/${filter.namespace}/`;
    parts.push(`WorkflowId STARTS_WITH ${quote(prefix)}`);
    return parts.join(' AND ');
  }
  if (filter.namespace !== undefined) parts.push(`JobNamespace = ${quote(filter.namespace)}`);
  if (filter.name !== undefined) parts.push(`JobName = ${quote(filter.name)}`);
  for (const r of filter.selector ?? []) {
    if (r.operator === '=') parts.push(`JobLabels = ${quote(`${r.key}=${r.values[0]}`)}`);
    else if (r.operator === 'in') parts.push(`JobLabels IN (${r.values.map((v) => quote(`${r.key}=${v}`)).join(', ')})`);
  }
  return parts.join(' AND ');
}

/** `job/<namespace>/<name>` back to its parts; undefined for ids that are not a Job's. */
export function parseJobWorkflowId(workflowId: string): { namespace: string; name: string } | undefined {
  const m = /^job\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}
