// Pod identity as the API server and the Job controller give it (JOB-SEMANTICS 3 and 6.5): generated
// names, and the labels and annotations every pod of a Job carries. Here, beside the label keys, because
// the controller names pods and the client selects pods by these labels.
import {
  CONTROLLER_UID_LABEL,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_COMPLETION_INDEX_LABEL,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from './labels';
import type { Job, Labels } from './types';

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
    [JOB_NAME_LABEL]: job.metadata.name,
    [LEGACY_JOB_NAME_LABEL]: job.metadata.name,
  };
  if (job.metadata.uid) {
    labels[CONTROLLER_UID_LABEL] = job.metadata.uid;
    labels[LEGACY_CONTROLLER_UID_LABEL] = job.metadata.uid;
  }
  const annotations: Labels = { ...(job.spec.template.metadata?.annotations ?? {}) };
  if (index !== undefined) {
    labels[JOB_COMPLETION_INDEX_LABEL] = String(index);
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
  }
  // backoffLimitPerIndex: the failures of earlier pods of this index travel with the pod (3).
  if (counts.indexFailureCount !== undefined) annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(counts.indexFailureCount);
  if (counts.indexIgnoredFailureCount) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(counts.indexIgnoredFailureCount);
  return { labels, annotations };
}

/** Linux and Kubernetes (a DNS label) allow 63 characters in a hostname. */
const MAX_HOSTNAME = 63;

/**
 * The pod's hostname: `<job-name>-<index>` for an Indexed Job's pod, which the Job controller sets as
 * spec.hostname over the template's, else the template's spec.hostname, else the pod name
 * (JOB-SEMANTICS 6.5). Cut to 63 characters without a trailing '-' or '.', as the kubelet does
 * (truncatePodHostnameIfNeeded).
 */
export function podHostname(jobName: string, podName: string, index?: number, specHostname?: string): string {
  const name = index !== undefined ? `${jobName}-${index}` : specHostname || podName;
  return name.length <= MAX_HOSTNAME ? name : name.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
}
