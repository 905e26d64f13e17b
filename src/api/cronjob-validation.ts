// CronJob defaults and validation (DEF SetDefaults_CronJob, VAL ValidateCronJobCreate / validateCronJobSpec,
// JOB-SEMANTICS 7.2), run on the decoded manifest, and the typed CronJob that comes out of them.
import {
  CONCURRENCY_POLICIES,
  DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
  DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
  type ConcurrencyPolicy,
  type CronJob,
} from './cronjob';
import type { CronJobManifest } from './cronjob-schema';
import { cronScheduleError, isLoadableTimeZone } from './cron';
import { applyJobDefaults } from './defaults';
import { DEFAULT_NAMESPACE } from './defaults';
import { type FieldError, child, invalid, notSupported, required } from './field-errors';
import { validateAnnotations, validateLabels } from './label-validation';
import { validateDNS1123Label } from './pod-validation';
import { validateJob } from './validation';

const NON_NEGATIVE = 'must be greater than or equal to 0';
/** DNS-1035 label length minus the 11 characters of `-<minutes since the epoch>` a Job name adds. */
export const MAX_CRONJOB_NAME_LENGTH = 52;
/** Stands for the minutes suffix while the jobTemplate is validated as a Job. */
const NAME_SUFFIX_PLACEHOLDER = '-29000000';

/** The manifest with SetDefaults_CronJob applied (and the namespace defaulted); the input is not modified. */
export function applyCronJobDefaults(m: CronJobManifest): CronJobManifest {
  const spec = m.spec ?? {};
  return {
    ...m,
    metadata: { ...m.metadata, namespace: m.metadata?.namespace || DEFAULT_NAMESPACE },
    spec: {
      ...spec,
      concurrencyPolicy: spec.concurrencyPolicy ?? 'Allow',
      suspend: spec.suspend ?? false,
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
    },
  };
}

function nonNegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(path, value, NON_NEGATIVE)] : [];
}

/** VAL validateTimeZone. */
function validateTimeZone(tz: string | undefined, path: string): FieldError[] {
  if (tz === undefined) return [];
  if (tz === '') return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  if (tz.toLowerCase() === 'local') return [invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  const errs: FieldError[] = [];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      errs.push(invalid(path, tz, `unknown time zone ${tz}`));
    }
  }
  if (!isLoadableTimeZone(tz)) errs.push(invalid(path, tz, `unknown time zone ${tz}`));
  return errs;
}

/** VAL validateScheduleFormat on create: robfig's verdict, and no TZ= / CRON_TZ= in the schedule. */
function validateSchedule(schedule: string | undefined, path: string): FieldError[] {
  if (!schedule) return [required(path, '')];
  const errs: FieldError[] = [];
  const error = cronScheduleError(schedule);
  if (error !== undefined) errs.push(invalid(path, schedule, error));
  if (schedule.includes('TZ')) errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

/**
 * VAL ValidateJobTemplateSpec: the template's spec is validated as the spec of a Job this CronJob would
 * create (so every Job rule applies, with paths under `spec.jobTemplate.spec`), and its selector must be
 * left to the controller.
 */
function validateJobTemplate(m: CronJobManifest, name: string, namespace: string): FieldError[] {
  const template = m.spec?.jobTemplate ?? {};
  const jobSpec = template.spec ?? {};
  const path = 'spec.jobTemplate';
  const errs: FieldError[] = [];
  errs.push(...validateLabels(template.metadata?.labels, child(path, 'metadata.labels')));
  errs.push(...validateAnnotations(template.metadata?.annotations, child(path, 'metadata.annotations')));
  const job = applyJobDefaults({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}${NAME_SUFFIX_PLACEHOLDER}`, namespace, labels: template.metadata?.labels },
    spec: jobSpec,
  });
  for (const e of validateJob(job)) {
    // The Job's own name and metadata are the CronJob's business, checked above and below.
    if (!e.field.startsWith('spec.')) continue;
    errs.push({ ...e, field: `${path}.spec.${e.field.slice('spec.'.length)}` });
  }
  if (jobSpec.selector !== undefined) errs.push(invalid(`${path}.spec.selector`, jobSpec.selector, '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) errs.push(notSupported(`${path}.spec.manualSelector`, true, ['false']));
  return errs;
}

/** All validation errors of a defaulted CronJob manifest (empty when valid). */
export function validateCronJob(m: CronJobManifest): FieldError[] {
  const meta = m.metadata ?? {};
  const spec = m.spec ?? {};
  const errs: FieldError[] = [];
  if (meta.generateName !== undefined && !meta.name)
    errs.push(invalid('metadata.generateName', meta.generateName, 'is not supported by durable-jobs: set metadata.name'));
  else if (!meta.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else {
    errs.push(...validateDNS1123Label(meta.name, 'metadata.name'));
    if (meta.name.length > MAX_CRONJOB_NAME_LENGTH) errs.push(invalid('metadata.name', meta.name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  if (!meta.namespace) errs.push(required('metadata.namespace'));
  else errs.push(...validateDNS1123Label(meta.namespace, 'metadata.namespace'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));

  errs.push(...validateSchedule(spec.schedule, 'spec.schedule'));
  errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  const policy = spec.concurrencyPolicy;
  if (!policy) errs.push(required('spec.concurrencyPolicy', ''));
  else if (!(CONCURRENCY_POLICIES as readonly string[]).includes(policy)) errs.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  errs.push(...validateJobTemplate(m, meta.name ?? '', meta.namespace ?? DEFAULT_NAMESPACE));
  return errs;
}

function definedOnly<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The typed CronJob of a defaulted manifest that passed validation. */
export function toCronJob(m: CronJobManifest): CronJob {
  const meta = m.metadata ?? {};
  const spec = m.spec ?? {};
  const template = spec.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: definedOnly({ name: meta.name ?? '', namespace: meta.namespace ?? DEFAULT_NAMESPACE, labels: meta.labels, annotations: meta.annotations }),
    spec: definedOnly({
      schedule: spec.schedule ?? '',
      timeZone: spec.timeZone,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
      concurrencyPolicy: (spec.concurrencyPolicy ?? 'Allow') as ConcurrencyPolicy,
      suspend: spec.suspend ?? false,
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
      jobTemplate: {
        ...(template.metadata?.labels || template.metadata?.annotations
          ? { metadata: definedOnly({ labels: template.metadata.labels, annotations: template.metadata.annotations }) }
          : {}),
        spec: template.spec ?? {},
      },
    }),
  };
}

/** The CronJob as a manifest again (what `-o yaml` prints and a merge patch applies to). */
export function cronJobToManifest(c: CronJob): Record<string, unknown> {
  const { uid: _uid, creationTimestamp: _created, generation: _generation, ...metadata } = c.metadata;
  return JSON.parse(JSON.stringify({ apiVersion: c.apiVersion, kind: c.kind, metadata, spec: c.spec })) as Record<string, unknown>;
}
