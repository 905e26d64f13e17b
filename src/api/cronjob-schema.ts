// The wire shape of a batch/v1 (or v1beta1) CronJob manifest, checked with zod as the API server decodes
// JSON: field types and unknown fields (strict decoding). The jobTemplate's spec is a Job's spec.
import { z } from 'zod';
import { ManifestError } from './errors';
import { jobSpec, objectMeta } from './job-schema';


export const cronJobManifestSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMeta.optional(),
  spec: z
    .strictObject({
      schedule: z.string().optional(),
      timeZone: z.string().optional(),
      startingDeadlineSeconds: z.int().optional(),
      concurrencyPolicy: z.string().optional(),
      suspend: z.boolean().optional(),
      successfulJobsHistoryLimit: z.int32().optional(),
      failedJobsHistoryLimit: z.int32().optional(),
      jobTemplate: z
        .strictObject({
          metadata: objectMeta.optional(),
          spec: jobSpec.optional(),
        })
        .optional(),
    })
    .optional(),
  status: z.unknown().optional(),
});

export type CronJobManifest = z.infer<typeof cronJobManifestSchema>;

function pathString(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s;
}

const GO_TYPES: Record<string, string> = {
  number: 'int32',
  int: 'int32',
  boolean: 'bool',
  string: 'string',
  array: '[]string',
  object: 'struct',
  record: 'map[string]string',
};

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Decodes a plain object (already known to be a CronJob) or throws the API server's BadRequest:
 * `CronJob in version "v1" cannot be handled as a CronJob: ...`.
 */
export function decodeCronJobManifest(obj: unknown, source?: string): CronJobManifest {
  const result = cronJobManifestSchema.safeParse(obj);
  if (result.success) return result.data;
  const prefix = 'CronJob in version "v1" cannot be handled as a CronJob: ';
  const unknown: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) unknown.push(`unknown field ${JSON.stringify(pathString([...issue.path, k]))}`);
      continue;
    }
    const expected = issue.code === 'invalid_type' ? String(issue.expected) : 'number';
    const fields = issue.path.filter((k): k is string => typeof k === 'string').join('.');
    const goType = GO_TYPES[expected] ?? expected;
    throw new ManifestError(
      `${prefix}json: cannot unmarshal ${jsonKind(valueAt(obj, issue.path))} into Go struct field CronJob.${fields} of type ${goType}`,
      'BadRequest',
      source,
    );
  }
  throw new ManifestError(`${prefix}strict decoding error: ${unknown.join(', ')}`, 'BadRequest', source);
}
