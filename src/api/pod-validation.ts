// Validation of the Job's pod template, following core ValidatePodTemplateSpec / ValidatePodSpec for the
// fields the runtimes honour. Fields we accept but ignore (probes, resources, ...) are not validated.
import {
  type FieldError,
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  notFound,
  notSupported,
  required,
  pushAll,
} from './field-errors';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isRelaxedEnvVarName, maxLenError, regexError } from './names';
import type { ContainerManifest, PodSpecManifest } from './job-schema';
import { validateAnnotations, validateLabels } from './label-validation';
import type { Labels } from './types';
import { MAX_INT32 } from './defaults';
import { parseQuantity } from './pod-resources';

export const RUNTIME_CLASSES = ['process', 'docker'] as const;
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const NON_NEGATIVE = 'must be greater than or equal to 0';

// validEnvDownwardAPIFieldPathExpressions, sorted as Kubernetes lists them.
const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
] as const;

export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => invalid(path, value, m));
}

function validateFieldRef(ref: { fieldPath?: string; apiVersion?: string }, path: string): FieldError[] {
  if (!ref.apiVersion) return [required(child(path, 'apiVersion'))];
  if (!ref.fieldPath) return [required(child(path, 'fieldPath'))];
  if (ref.apiVersion !== 'v1')
    return [invalid(child(path, 'fieldPath'), ref.fieldPath, `error converting fieldPath: unsupported pod version: ${ref.apiVersion}`)];
  const subscripted = /^(.*)\['(.*)'\]$/.exec(ref.fieldPath);
  if (subscripted) {
    const [, p = '', sub = ''] = subscripted;
    if (p === 'metadata.annotations') return isQualifiedName(sub.toLowerCase()).map((m) => invalid(path, sub.toLowerCase(), m));
    if (p === 'metadata.labels') return isQualifiedName(sub).map((m) => invalid(path, sub, m));
    return [invalid(path, p, 'does not support subscript')];
  }
  return (ENV_FIELD_PATHS as readonly string[]).includes(ref.fieldPath)
    ? []
    : [notSupported(child(path, 'fieldPath'), ref.fieldPath, ENV_FIELD_PATHS)];
}

/** validation.IsConfigMapKey: what a Secret's key may be (it is also a file name on the worker). */
function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(value))
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** validateSecretKeySelector. */
function validateSecretKeyRef(ref: { name?: string; key?: string }, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref.name) errs.push(required(child(path, 'name')));
  else pushAll(errs, isDNS1123Subdomain(ref.name).map((m) => invalid(child(path, 'name'), ref.name, m)));
  if (!ref.key) errs.push(required(child(path, 'key')));
  else pushAll(errs, isConfigMapKey(ref.key).map((m) => invalid(child(path, 'key'), ref.key, m)));
  return errs;
}

function validateEnv(env: NonNullable<ContainerManifest['env']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const p = index(path, i);
    if (!e.name) errs.push(required(child(p, 'name')));
    else pushAll(errs, isRelaxedEnvVarName(e.name).map((m) => invalid(child(p, 'name'), e.name, m)));
    if (!e.valueFrom) return;
    const vf = child(p, 'valueFrom');
    const sources = Object.entries(e.valueFrom).filter(([, v]) => v !== undefined);
    if (e.valueFrom.fieldRef) pushAll(errs, validateFieldRef(e.valueFrom.fieldRef, child(vf, 'fieldRef')));
    if (e.valueFrom.secretKeyRef) pushAll(errs, validateSecretKeyRef(e.valueFrom.secretKeyRef, child(vf, 'secretKeyRef')));
    if (sources.length === 0)
      errs.push(invalid(vf, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (e.value) errs.push(invalid(vf, '', 'may not be specified when `value` is not empty'));
    else if (sources.length > 1) errs.push(invalid(vf, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(c: ContainerManifest, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = index(path, i);
    if (!m.name) errs.push(required(child(p, 'name')));
    if (!volumes.has(m.name ?? '')) errs.push(notFound(child(p, 'name'), m.name ?? ''));
    if (!m.mountPath) errs.push(required(child(p, 'mountPath')));
    if (mountPoints.has(m.mountPath ?? '')) errs.push(invalid(child(p, 'mountPath'), m.mountPath ?? '', 'must be unique'));
    mountPoints.add(m.mountPath ?? '');
    if (m.subPath) {
      // Kubernetes reports subPath errors against the list's path, without the index.
      const sp = child(path, 'subPath');
      if (m.subPath.startsWith('/')) errs.push(invalid(sp, m.subPath, 'must be a relative path'));
      if (m.subPath.split('/').includes('..')) errs.push(invalid(sp, m.subPath, "must not contain '..'"));
    }
  });
  return errs;
}

function validateContainer(
  c: ContainerManifest,
  path: string,
  volumes: ReadonlySet<string>,
  needsImage: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(child(path, 'name')));
  else pushAll(errs, validateDNS1123Label(c.name, child(path, 'name')));
  // Kubernetes always requires an image; the process runtime runs the command on the worker and needs none.
  if (needsImage && !c.image) errs.push(required(child(path, 'image')));
  pushAll(errs, validateEnv(c.env ?? [], child(path, 'env')));
  pushAll(errs, validateVolumeMounts(c, volumes, child(path, 'volumeMounts')));
  pushAll(errs, validateResources((c as Record<string, unknown>).resources, child(path, 'resources')));
  pushAll(errs, validateRunAs((c as Record<string, unknown>).securityContext, child(path, 'securityContext')));
  if (c.imagePullPolicy !== undefined && !(PULL_POLICIES as readonly string[]).includes(c.imagePullPolicy))
    errs.push(
      c.imagePullPolicy === ''
        ? required(child(path, 'imagePullPolicy'))
        : notSupported(child(path, 'imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES),
    );
  return errs;
}

/** Limits and requests are enforced now (src/api/pod-resources.ts): each must be a quantity, as on the API server. */
function validateResources(resources: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(resources)) return errs;
  for (const kind of ['limits', 'requests'] as const) {
    const list = resources[kind];
    if (!isObject(list)) continue;
    for (const [name, value] of Object.entries(list)) {
      const q = parseQuantity(value);
      const p = `${child(path, kind)}[${name}]`;
      if (!q.ok) errs.push(invalid(p, value, q.message));
      else if (q.value < 0) errs.push(invalid(p, value, NON_NEGATIVE));
    }
  }
  return errs;
}

/** runAsUser / runAsGroup, which the sandbox honours: ValidateSecurityContext's range. */
function validateRunAs(securityContext: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(securityContext)) return errs;
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    const v = securityContext[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_INT32) errs.push(invalid(child(path, key), v, `must be between 0 and ${MAX_INT32}, inclusive`));
  }
  return errs;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateVolumes(spec: PodSpecManifest, path: string): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const p = index(path, i);
    const errs: FieldError[] = [];
    const sources = Object.keys(v).filter((k) => k !== 'name' && (v as Record<string, unknown>)[k] !== undefined);
    if (sources.length === 0) errs.push(required(p, 'must specify a volume type'));
    for (const s of sources.slice(1)) errs.push(forbidden(child(p, s), 'may not specify more than 1 volume type'));
    if (!v.name) errs.push(required(child(p, 'name')));
    else pushAll(errs, validateDNS1123Label(v.name, child(p, 'name')));
    if (names.has(v.name ?? '')) errs.push(duplicate(child(p, 'name'), v.name ?? ''));
    if (errs.length === 0) names.add(v.name ?? '');
    pushAll(errors, errs);
  });
  return { errors, names };
}

/** Template labels/annotations and pod spec checks, in the order Kubernetes reports them. */
export function validatePodTemplate(
  metadata: { labels?: Labels; annotations?: Labels } | undefined,
  spec: PodSpecManifest,
  path: string,
): FieldError[] {
  // ObjectMeta is embedded in PodTemplateSpec, so Kubernetes reports these without ".metadata".
  const errs = [...validateLabels(metadata?.labels, child(path, 'labels')), ...validateAnnotations(metadata?.annotations, child(path, 'annotations'))];
  const specPath = child(path, 'spec');
  const volumes = validateVolumes(spec, child(specPath, 'volumes'));
  pushAll(errs, volumes.errors);
  const needsImage = spec.runtimeClassName === 'docker';
  pushAll(errs, validateRunAs((spec as Record<string, unknown>).securityContext, child(specPath, 'securityContext')));
  // The sandbox's hostname: ValidatePodSpec checks it is a DNS-1123 label.
  const hostname = (spec as Record<string, unknown>).hostname;
  if (typeof hostname === 'string' && hostname !== '') pushAll(errs, validateDNS1123Label(hostname, child(specPath, 'hostname')));

  const containersPath = child(specPath, 'containers');
  const containers = spec.containers ?? [];
  if (containers.length === 0) errs.push(required(containersPath));
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = index(containersPath, i);
    pushAll(errs, validateContainer(c, p, volumes.names, needsImage));
    if (names.has(c.name ?? '')) errs.push(duplicate(child(p, 'name'), c.name ?? ''));
    else names.add(c.name ?? '');
    if (c.restartPolicy !== undefined) errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });

  const initPath = child(specPath, 'initContainers');
  (spec.initContainers ?? []).forEach((c, i) => {
    const p = index(initPath, i);
    pushAll(errs, validateContainer(c, p, volumes.names, needsImage));
    if (c.restartPolicy === 'Always')
      errs.push(forbidden(child(p, 'restartPolicy'), 'sidecar containers (restartPolicy: Always) are not supported by durable-jobs'));
    else if (c.restartPolicy !== undefined) errs.push(notSupported(child(p, 'restartPolicy'), c.restartPolicy, ['Always']));
    if (names.has(c.name ?? '')) errs.push(duplicate(child(p, 'name'), c.name ?? ''));
    else if (c.name) names.add(c.name);
  });

  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32))
    errs.push(invalid(child(specPath, 'activeDeadlineSeconds'), ads, `must be between 1 and ${MAX_INT32}, inclusive`));
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && grace < 0) errs.push(invalid(child(specPath, 'terminationGracePeriodSeconds'), grace, NON_NEGATIVE));
  const runtime = spec.runtimeClassName;
  if (runtime !== undefined && !(RUNTIME_CLASSES as readonly string[]).includes(runtime))
    errs.push(notSupported(child(specPath, 'runtimeClassName'), runtime, RUNTIME_CLASSES));
  return errs;
}
