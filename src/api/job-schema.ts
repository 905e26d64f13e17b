// The wire shape of a batch/v1 Job manifest, checked with zod the way the API server decodes JSON:
// field types (int32, int64, string, bool, lists, string maps) and unknown fields (strict decoding).
// Enumerations and cross-field rules are NOT checked here: Kubernetes accepts any string at decode time
// and reports them as validation errors (./validation.ts), all together and in its own words.
import { z } from 'zod';
import { ManifestError } from './errors';
import {
  DROPPED_META_FIELDS,
  OTHER_CONTAINER_FIELDS,
  OTHER_ENV_SOURCES,
  OTHER_POD_FIELDS,
  OTHER_VOLUME_MOUNT_FIELDS,
  OTHER_VOLUME_SOURCES,
} from './pod-fields';

/** Optional fields whose content is kept verbatim and never checked (Kubernetes fields we ignore). */
function unchecked<const K extends readonly string[]>(names: K): { [P in K[number]]: z.ZodOptional<z.ZodUnknown> } {
  return Object.fromEntries(names.map((n) => [n, z.unknown().optional()])) as { [P in K[number]]: z.ZodOptional<z.ZodUnknown> };
}

const int32 = z.int32().optional();
// int64 fields (seconds): JSON numbers beyond 2^53 cannot be represented in JavaScript anyway.
const int64 = z.int().optional();
const str = z.string().optional();
const bool = z.boolean().optional();
const strings = z.array(z.string()).optional();
const stringMap = z.record(z.string(), z.string()).optional();

export const objectMeta = z.strictObject({
  name: str,
  generateName: str,
  namespace: str,
  labels: stringMap,
  annotations: stringMap,
  ...unchecked(DROPPED_META_FIELDS),
});

const envVar = z.strictObject({
  name: str,
  value: str,
  valueFrom: z
    .strictObject({
      fieldRef: z.strictObject({ fieldPath: str, apiVersion: str }).optional(),
      secretKeyRef: z.strictObject({ name: str, key: str, optional: bool }).optional(),
      ...unchecked(OTHER_ENV_SOURCES),
    })
    .optional(),
});

const volumeMount = z.strictObject({
  name: str,
  mountPath: str,
  readOnly: bool,
  subPath: str,
  ...unchecked(OTHER_VOLUME_MOUNT_FIELDS),
});

const container = z.strictObject({
  name: str,
  image: str,
  command: strings,
  args: strings,
  env: z.array(envVar).optional(),
  workingDir: str,
  volumeMounts: z.array(volumeMount).optional(),
  imagePullPolicy: str,
  // Only meaningful for init containers (sidecars); validated, never honoured.
  restartPolicy: str,
  ...unchecked(OTHER_CONTAINER_FIELDS),
});

const volume = z.strictObject({
  name: str,
  emptyDir: z.strictObject({ medium: str, sizeLimit: z.union([z.string(), z.number()]).optional() }).optional(),
  ...unchecked(OTHER_VOLUME_SOURCES),
});

const podSpec = z.strictObject({
  containers: z.array(container).optional(),
  initContainers: z.array(container).optional(),
  restartPolicy: str,
  terminationGracePeriodSeconds: int64,
  activeDeadlineSeconds: int64,
  volumes: z.array(volume).optional(),
  runtimeClassName: str,
  ...unchecked(OTHER_POD_FIELDS),
  nodeSelector: stringMap,
  hostname: str,
});

const podTemplateSpec = z.strictObject({ metadata: objectMeta.optional(), spec: podSpec.optional() });

const labelSelector = z.strictObject({
  matchLabels: stringMap,
  matchExpressions: z.array(z.strictObject({ key: str, operator: str, values: strings })).optional(),
});

const podFailurePolicy = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        action: str,
        onExitCodes: z
          .strictObject({ containerName: str, operator: str, values: z.array(z.int32()).optional() })
          .optional(),
        onPodConditions: z.array(z.strictObject({ type: str, status: str })).optional(),
      }),
    )
    .optional(),
});

const successPolicy = z.strictObject({
  rules: z.array(z.strictObject({ succeededIndexes: str, succeededCount: int32 })).optional(),
});

export const jobSpec = z.strictObject({
  parallelism: int32,
  completions: int32,
  activeDeadlineSeconds: int64,
  podFailurePolicy: podFailurePolicy.optional(),
  successPolicy: successPolicy.optional(),
  backoffLimit: int32,
  backoffLimitPerIndex: int32,
  maxFailedIndexes: int32,
  selector: labelSelector.optional(),
  manualSelector: bool,
  template: podTemplateSpec.optional(),
  ttlSecondsAfterFinished: int32,
  completionMode: str,
  suspend: bool,
  podReplacementPolicy: str,
  managedBy: str,
});

export const jobManifestSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMeta.optional(),
  spec: jobSpec.optional(),
  // Clients such as `kubectl create --dry-run -o yaml` write `status: {}`; the server ignores it on create.
  status: z.unknown().optional(),
});

/** A Job manifest as decoded: every field optional, enumerations still plain strings. */
export type JobManifest = z.infer<typeof jobManifestSchema>;
export type JobSpecManifest = NonNullable<JobManifest['spec']>;
export type PodSpecManifest = NonNullable<NonNullable<JobSpecManifest['template']>['spec']>;
export type ContainerManifest = NonNullable<PodSpecManifest['containers']>[number];
export type ObjectMetaManifest = NonNullable<JobManifest['metadata']>;
export type LabelSelectorManifest = NonNullable<JobSpecManifest['selector']>;

// ---- decode errors, in the API server's words ----

// Go struct types along the Job's field tree, for "cannot unmarshal ... into Go struct field X.path".
const GO_STRUCT_FIELDS: Record<string, Record<string, string>> = {
  Job: { metadata: 'ObjectMeta', spec: 'JobSpec' },
  JobSpec: {
    template: 'PodTemplateSpec',
    selector: 'LabelSelector',
    podFailurePolicy: 'PodFailurePolicy',
    successPolicy: 'SuccessPolicy',
  },
  PodTemplateSpec: { metadata: 'ObjectMeta', spec: 'PodSpec' },
  PodSpec: { containers: 'Container', initContainers: 'Container', volumes: 'Volume' },
  Container: { env: 'EnvVar', volumeMounts: 'VolumeMount' },
  EnvVar: { valueFrom: 'EnvVarSource' },
  EnvVarSource: { fieldRef: 'ObjectFieldSelector', secretKeyRef: 'SecretKeySelector' },
  Volume: { emptyDir: 'EmptyDirVolumeSource' },
  LabelSelector: { matchExpressions: 'LabelSelectorRequirement' },
  PodFailurePolicy: { rules: 'PodFailurePolicyRule' },
  PodFailurePolicyRule: {
    onExitCodes: 'PodFailurePolicyOnExitCodesRequirement',
    onPodConditions: 'PodFailurePolicyOnPodConditionsPattern',
  },
  SuccessPolicy: { rules: 'SuccessPolicyRule' },
};
const MAP_FIELDS = new Set(['labels', 'annotations', 'matchLabels', 'nodeSelector']);
const INT64_FIELDS = new Set(['activeDeadlineSeconds', 'terminationGracePeriodSeconds']);

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** How Go's decoder names the JSON value it could not store; numbers show their text only when out of range. */
function jsonKind(v: unknown, numericTarget: boolean): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return numericTarget ? `number ${v}` : 'number';
  if (typeof v === 'boolean') return 'bool';
  if (v !== null && typeof v === 'object') return 'object';
  return typeof v;
}

/** Go json's UnmarshalTypeError text for the value at `path` (list indexes and map keys are not in Go's path). */
function typeErrorMessage(root: unknown, path: readonly PropertyKey[], expected: string | undefined): string {
  let struct = 'Job';
  let last = '';
  let lastAt = -1;
  let inMap = false;
  const names: string[] = [];
  path.forEach((k, i) => {
    if (typeof k !== 'string' || inMap) return;
    if (last) struct = GO_STRUCT_FIELDS[struct]?.[last] ?? struct;
    names.push(k);
    last = k;
    lastAt = i;
    inMap = MAP_FIELDS.has(k);
  });
  const element = GO_STRUCT_FIELDS[struct]?.[last];
  const numeric = expected === 'number' || expected === 'int';
  let goType: string;
  if (inMap) goType = lastAt === path.length - 1 ? 'map[string]string' : 'string';
  else if (element) goType = expected === 'array' ? `[]v1.${element}` : `v1.${element}`;
  else if (numeric) goType = INT64_FIELDS.has(last) ? 'int64' : 'int32';
  else if (expected === 'boolean') goType = 'bool';
  else if (expected === 'array') goType = struct === 'PodFailurePolicyOnExitCodesRequirement' ? '[]int32' : '[]string';
  else goType = 'string';
  const into = names.length > 0 ? `Go struct field ${struct}.${names.join('.')}` : 'Go value';
  return `json: cannot unmarshal ${jsonKind(valueAt(root, path), numeric)} into ${into} of type ${goType}`;
}

function pathString(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s;
}

const CANNOT_HANDLE = 'Job in version "v1" cannot be handled as a Job: ';
const MAX_LISTED_UNKNOWN = 100;

/**
 * Decodes a plain object (already known to be batch/v1 Job) into the wire shape, or throws the
 * API server's BadRequest message: a type error, or `strict decoding error: unknown field "spec.foo"`.
 */
export function decodeJobManifest(obj: unknown, source?: string): JobManifest {
  const result = jobManifestSchema.safeParse(obj);
  if (result.success) return result.data;
  const unknown: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) unknown.push(`unknown field ${JSON.stringify(pathString([...issue.path, k]))}`);
      continue;
    }
    // A type error stops Go's decoder at once; report the first one, as the server does.
    const expected = issue.code === 'invalid_type' ? issue.expected : issue.code === 'invalid_union' ? 'string' : 'number';
    throw new ManifestError(CANNOT_HANDLE + typeErrorMessage(obj, issue.path, expected), 'BadRequest', source);
  }
  // Kubernetes lists them all; past 100 (250,000 made a 6 MB message) the rest are counted instead.
  const listed = unknown.length > MAX_LISTED_UNKNOWN ? [...unknown.slice(0, MAX_LISTED_UNKNOWN), `and ${unknown.length - MAX_LISTED_UNKNOWN} more unknown fields`] : unknown;
  throw new ManifestError(`${CANNOT_HANDLE}strict decoding error: ${listed.join(', ')}`, 'BadRequest', source);
}
