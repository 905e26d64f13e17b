// The Job a CronJob creates for one scheduled time (CJ `getJobFromTemplate2`, JOB-SEMANTICS 7.3 step 11):
// named `<cronjob>-<minutes since the epoch>`, labels and annotations from jobTemplate.metadata, the
// scheduled-timestamp annotation, a controller ownerReference to the CronJob, and the template's spec
// defaulted as any new Job's. Pure and deterministic: the `cronJobRun` workflow calls it.
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob } from '../api/cronjob';
import { applyJobDefaults } from '../api/defaults';
import { toJob } from '../api/to-job';
import type { Job } from '../api/types';
import { cronJobJobName } from './ids';

/** RFC 3339 to the second, as Go's time.RFC3339 prints a UTC time. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function jobForSchedule(cronJob: CronJob, scheduledMs: number, name = cronJobJobName(cronJob.metadata.name, scheduledMs)): Job {
  const template = cronJob.spec.jobTemplate;
  const annotations = { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(scheduledMs) };
  const labels = template.metadata?.labels;
  const manifest = applyJobDefaults({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: cronJob.metadata.namespace, ...(labels ? { labels: { ...labels } } : {}), annotations },
    spec: template.spec,
  });
  const job = toJob(manifest, template.spec.backoffLimit !== undefined);
  return { ...job, metadata: { ...job.metadata, ownerReferences: [ownerReference(cronJob)] } };
}

/** `kubectl create job NAME --from=cronjob/X`: the template's Job, with kubectl's manual-instantiation annotation. */
export function jobFromCronJob(cronJob: CronJob, name: string): Job {
  const template = cronJob.spec.jobTemplate;
  const labels = template.metadata?.labels;
  const manifest = applyJobDefaults({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cronJob.metadata.namespace,
      ...(labels ? { labels: { ...labels } } : {}),
      annotations: { ...template.metadata?.annotations, 'cronjob.kubernetes.io/instantiate': 'manual' },
    },
    spec: template.spec,
  });
  const job = toJob(manifest, template.spec.backoffLimit !== undefined);
  return { ...job, metadata: { ...job.metadata, ownerReferences: [ownerReference(cronJob)] } };
}

function ownerReference(c: CronJob): NonNullable<Job['metadata']['ownerReferences']>[number] {
  return { apiVersion: 'batch/v1', kind: 'CronJob', name: c.metadata.name, uid: c.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Whether the CronJob (by uid) owns this Job. */
export function ownedBy(job: Pick<Job, 'metadata'>, cronJob: Pick<CronJob, 'metadata'>): boolean {
  return (job.metadata.ownerReferences ?? []).some((r) => r.kind === 'CronJob' && r.name === cronJob.metadata.name && (r.uid === cronJob.metadata.uid || !cronJob.metadata.uid));
}
