// Custom search attributes of a Job's workflow: they make `jobctl get` and `-l` server-side visibility
// queries, and let the Web UI filter Jobs. They must be registered on the server before use
// (`--search-attribute` on the dev server, the operator service elsewhere), so the client sets them at
// start only where they exist, and the workflow upserts only the ones it was started with.
import { defineSearchAttributeKey } from '@temporalio/common';

export const JOB_NAME = defineSearchAttributeKey('JobName', 'KEYWORD');
export const JOB_NAMESPACE = defineSearchAttributeKey('JobNamespace', 'KEYWORD');
/** Running, Suspended, Complete or Failed (what kubectl's STATUS column shows); Terminating while a delete takes the pods down. */
export const JOB_PHASE = defineSearchAttributeKey('JobPhase', 'KEYWORD');
/** The Job's labels as `key=value` entries. */
export const JOB_LABELS = defineSearchAttributeKey('JobLabels', 'KEYWORD_LIST');

/** For registration: `temporal server start-dev --search-attribute JobName=Keyword ...`. */
export const JOB_SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'KeywordList'> = {
  JobName: 'Keyword',
  JobNamespace: 'Keyword',
  JobPhase: 'Keyword',
  JobLabels: 'KeywordList',
};

export { jobPhase, type JobPhase } from '../api/conditions';

export function labelEntries(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
}
