// Pod identity as the API server and the Job controller give it (JOB-SEMANTICS 3 and 6.5).
import type { Job, Labels } from '../api/types';

export const COMPLETION_INDEX_KEY = 'batch.kubernetes.io/job-completion-index';
export const INDEX_FAILURE_COUNT_KEY = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT_KEY = 'batch.kubernetes.io/job-index-ignored-failure-count';
/** The API server cuts generateName so that the 5 random characters still fit in 63. */
const MAX_GENERATE_NAME = 58;
/** Kubernetes' alphabet for generated names: no vowels, no look-alike characters. */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function podGenerateName(jobName: string, index?: number): string {
  if (index === undefined) return `${jobName}-`.slice(0, MAX_GENERATE_NAME);
  const suffix = `-${index}-`;
  return `${jobName.slice(0, Math.max(0, MAX_GENERATE_NAME - suffix.length))}${suffix}`;
}

export function podName(jobName: string, index: number | undefined, randomSuffix: string): string {
  return podGenerateName(jobName, index) + randomSuffix;
}

export interface PodIdentity {
  labels: Labels;
  annotations: Labels;
}

export interface IndexFailureCounts {
  indexFailureCount?: number;
  indexIgnoredFailureCount?: number;
}

/** Labels and annotations every pod of the Job carries, from the template plus the controller's own. */
export function podIdentity(job: Job, index?: number, counts: IndexFailureCounts = {}): PodIdentity {
  const labels: Labels = {
    ...(job.spec.template.metadata?.labels ?? {}),
    'batch.kubernetes.io/job-name': job.metadata.name,
    'job-name': job.metadata.name,
  };
  if (job.metadata.uid) {
    labels['batch.kubernetes.io/controller-uid'] = job.metadata.uid;
    labels['controller-uid'] = job.metadata.uid;
  }
  const annotations: Labels = { ...(job.spec.template.metadata?.annotations ?? {}) };
  if (index !== undefined) {
    labels[COMPLETION_INDEX_KEY] = String(index);
    annotations[COMPLETION_INDEX_KEY] = String(index);
  }
  // backoffLimitPerIndex: the failures of earlier pods of this index travel with the pod (3).
  if (counts.indexFailureCount !== undefined) annotations[INDEX_FAILURE_COUNT_KEY] = String(counts.indexFailureCount);
  if (counts.indexIgnoredFailureCount) annotations[INDEX_IGNORED_FAILURE_COUNT_KEY] = String(counts.indexIgnoredFailureCount);
  return { labels, annotations };
}
