// Labels that Kubernetes puts on a Job's pod template (and so on every pod), and the uid-dependent part
// that is added once the Job has a uid.
import type { Job, Labels } from './types';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

/** Adds `labels` that are not already set (a user's own value is kept, and then fails validation). */
export function withLabelsIfAbsent(existing: Labels | undefined, labels: Labels): Labels {
  const out: Labels = { ...existing };
  for (const [k, v] of Object.entries(labels)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

function sameLabels(a: Labels | undefined, b: Labels | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

/**
 * The Job as the API server stores it once it has a uid: `metadata.uid` set, the controller-uid labels on
 * the pod template, and (unless `manualSelector`) the generated selector
 * `matchLabels: {batch.kubernetes.io/controller-uid: <uid>}` merged into any selector the user gave.
 * If the Job's labels were defaulted from the template's, they get the new labels too, as they do in
 * Kubernetes (where both share one map and are re-defaulted on read).
 */
export function withControllerUid(job: Job, uid: string): Job {
  if (job.spec.manualSelector === true) return { ...job, metadata: { ...job.metadata, uid } };
  const uidLabels = { [CONTROLLER_UID_LABEL]: uid, [LEGACY_CONTROLLER_UID_LABEL]: uid };
  const template = job.spec.template;
  const templateLabels = withLabelsIfAbsent(template.metadata?.labels, uidLabels);
  const labelsWereDefaulted = job.metadata.labels !== undefined && sameLabels(job.metadata.labels, template.metadata?.labels);
  const selector = job.spec.selector ?? {};
  return {
    ...job,
    metadata: {
      ...job.metadata,
      uid,
      ...(labelsWereDefaulted ? { labels: { ...templateLabels } } : {}),
    },
    spec: {
      ...job.spec,
      selector: {
        ...selector,
        matchLabels: withLabelsIfAbsent(selector.matchLabels, { [CONTROLLER_UID_LABEL]: uid }),
      },
      template: { ...template, metadata: { ...template.metadata, labels: templateLabels } },
    },
  };
}
