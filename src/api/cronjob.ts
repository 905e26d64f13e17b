// Kubernetes batch/v1 CronJob, in its upstream shape. The jobTemplate's spec is kept as the manifest gave
// it (decoded, not defaulted): each Job made from it is defaulted and named when it is created, as the
// CronJob controller does (see src/cronjob/job-for-schedule.ts).
import type { JobSpecManifest } from './job-schema';
import type { Labels, ObjectMeta } from './types';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';
export const CONCURRENCY_POLICIES: readonly ConcurrencyPolicy[] = ['Allow', 'Forbid', 'Replace'];

export const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_JOBS_HISTORY_LIMIT = 1;

/** Kubernetes' label/annotation on the Jobs a CronJob creates (TYPES CronJobScheduledTimestampAnnotation). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface JobTemplateSpec {
  metadata?: { labels?: Labels; annotations?: Labels };
  spec: JobSpecManifest;
}

export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy: ConcurrencyPolicy;
  suspend: boolean;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  jobTemplate: JobTemplateSpec;
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMeta;
  spec: CronJobSpec;
  status?: CronJobStatus;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
