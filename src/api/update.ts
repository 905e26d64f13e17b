// Changing a Job after it was created (kubectl patch / scale / suspend): a JSON merge patch is applied to
// the Job, the result is decoded, defaulted and validated as on create, and then checked against
// Kubernetes' update rules (JOB-SEMANTICS 1.3). Pure: the workflow runs it inside its update validators.
import { applyJobDefaults } from './defaults';
import { JobValidationError } from './errors';
import type { FieldError } from './field-errors';
import { decodeJobManifest } from './job-schema';
import { toJob } from './to-job';
import type { Job, JobSpec, PodTemplateSpec } from './types';
import { validateJob } from './validation';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge key by key, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The Job as a manifest again: what a user would get back and could re-apply. */
export function jobToManifest(job: Job): Record<string, unknown> {
  const { backoffLimitSet: _internal, completions, ...spec } = job.spec;
  const { uid: _uid, creationTimestamp: _created, generation: _generation, ...metadata } = job.metadata;
  return JSON.parse(
    JSON.stringify({
      apiVersion: job.apiVersion,
      kind: job.kind,
      metadata,
      spec: completions === null ? spec : { ...spec, completions },
    }),
  ) as Record<string, unknown>;
}

const IMMUTABLE = 'field is immutable';
const IMMUTABLE_SPEC_FIELDS = ['completionMode', 'selector', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy'] as const;
/** What may change in the template of a suspended Job that never started (1.3, "Mutable Scheduling Directives"). */
const SCHEDULING_DIRECTIVES = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'] as const;

/** Key order carries no meaning in a Kubernetes object. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => [k, canonical(v[k])]),
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function immutable(field: string, value: unknown): FieldError {
  return value === undefined ? { field, type: 'Invalid value', detail: IMMUTABLE } : { field, type: 'Invalid value', value, detail: IMMUTABLE };
}

function withoutSchedulingDirectives(t: PodTemplateSpec): unknown {
  const spec: Record<string, unknown> = { ...t.spec };
  for (const k of SCHEDULING_DIRECTIVES) delete spec[k];
  return { ...t, metadata: { ...t.metadata, labels: undefined, annotations: undefined }, spec };
}

/** ValidateJobSpecUpdate and the metadata rules of an update. */
function updateErrors(old: Job, next: Job, started: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (next.metadata.name !== old.metadata.name) errs.push(immutable('metadata.name', next.metadata.name));
  if (next.metadata.namespace !== old.metadata.namespace) errs.push(immutable('metadata.namespace', next.metadata.namespace));
  const a: JobSpec = old.spec;
  const b: JobSpec = next.spec;
  for (const k of IMMUTABLE_SPEC_FIELDS) if (!same(a[k], b[k])) errs.push(immutable(`spec.${k}`, b[k]));
  if (a.completions !== b.completions) {
    if (a.completionMode !== 'Indexed' || a.completions === null || b.completions === null) errs.push(immutable('spec.completions', b.completions ?? undefined));
    else if (b.completions !== b.parallelism)
      errs.push({ field: 'spec.completions', type: 'Invalid value', value: b.completions, detail: 'can only be modified in tandem with spec.parallelism' });
  }
  const relaxed = old.spec.suspend && !started;
  const templateChanged = relaxed
    ? !same(withoutSchedulingDirectives(a.template), withoutSchedulingDirectives(b.template))
    : !same(a.template, b.template);
  if (templateChanged) errs.push(immutable('spec.template', undefined));
  return errs;
}

function reparse(name: string, manifest: unknown, uid: string | undefined, backoffLimitSet: boolean): Job {
  const defaulted = applyJobDefaults(decodeJobManifest(manifest));
  const errors = validateJob(defaulted, { uid });
  if (errors.length > 0) throw new JobValidationError(name, errors);
  return toJob(defaulted, backoffLimitSet);
}

export interface UpdateContext {
  /** Whether the Job has ever started (status.startTime was set): decides what of the template may change. */
  started: boolean;
}

/**
 * The Job after a merge patch, or a JobValidationError with Kubernetes' messages
 * (`spec.completions: Invalid value: 5: field is immutable`). Identity (uid, creation time) is kept and
 * `metadata.generation` goes up when the spec changes, as on the API server.
 */
export function updateJob(old: Job, patch: unknown, ctx: UpdateContext): Job {
  const name = old.metadata.name;
  if (!isObject(patch)) throw new JobValidationError(name, [{ field: '<patch>', type: 'Invalid value', value: patch, detail: 'a merge patch must be a JSON object' }]);
  const manifest = jobToManifest(old);
  const patchedBackoff = isObject(patch.spec) && Object.hasOwn(patch.spec, 'backoffLimit');
  const next = reparse(name, mergePatch(manifest, patch), old.metadata.uid, old.spec.backoffLimitSet === true || patchedBackoff);
  // Compared with the old Job read back the same way, so that defaults never look like changes.
  const baseline = reparse(name, manifest, old.metadata.uid, old.spec.backoffLimitSet === true);
  const updateErrs = updateErrors(baseline, next, ctx.started);
  if (updateErrs.length > 0) throw new JobValidationError(name, updateErrs);
  const specChanged = !same(old.spec, next.spec);
  const metadata = { ...next.metadata };
  if (old.metadata.uid !== undefined) metadata.uid = old.metadata.uid;
  if (old.metadata.creationTimestamp !== undefined) metadata.creationTimestamp = old.metadata.creationTimestamp;
  const generation = (old.metadata.generation ?? 1) + (specChanged ? 1 : 0);
  metadata.generation = generation;
  return { ...next, metadata };
}
