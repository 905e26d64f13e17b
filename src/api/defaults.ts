// Defaulting, as the API server does it before validating (DEF SetDefaults_Job and the core pod defaults
// that matter here, plus STRAT's job-name labels). Validation runs on the defaulted object, so that its
// errors are the ones Kubernetes reports (e.g. Indexed without completions is only an error when
// parallelism was set, because otherwise both default to 1).
import type { ContainerManifest, JobManifest, JobSpecManifest, PodSpecManifest } from './job-schema';
import { JOB_NAME_LABEL, LEGACY_JOB_NAME_LABEL, withLabelsIfAbsent } from './labels';

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_BACKOFF_LIMIT = 6;
export const MAX_INT32 = 2147483647;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_RUNTIME_CLASS = 'process';

/** SetDefaults_Container's rule: `Always` for the `latest` tag (or no tag), else `IfNotPresent`. */
export function defaultImagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : at < 0 ? 'latest' : '';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: ContainerManifest): ContainerManifest {
  return {
    ...c,
    ...(c.image && c.imagePullPolicy === undefined ? { imagePullPolicy: defaultImagePullPolicy(c.image) } : {}),
    ...(c.env
      ? {
          env: c.env.map((e) =>
            e.valueFrom?.fieldRef && e.valueFrom.fieldRef.apiVersion === undefined
              ? { ...e, valueFrom: { ...e.valueFrom, fieldRef: { ...e.valueFrom.fieldRef, apiVersion: 'v1' } } }
              : e,
          ),
        }
      : {}),
  };
}

function defaultPodSpec(spec: PodSpecManifest): PodSpecManifest {
  return {
    ...spec,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    runtimeClassName: spec.runtimeClassName ?? DEFAULT_RUNTIME_CLASS,
    ...(spec.containers ? { containers: spec.containers.map(defaultContainer) } : {}),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(defaultContainer) } : {}),
    // SetDefaults_Volume: a volume that names no source is an emptyDir.
    ...(spec.volumes
      ? { volumes: spec.volumes.map((v) => (Object.keys(v).some((k) => k !== 'name') ? v : { ...v, emptyDir: {} })) }
      : {}),
  };
}

function defaultJobSpec(spec: JobSpecManifest, name: string): JobSpecManifest {
  const bothUnset = spec.completions === undefined && spec.parallelism === undefined;
  const template = spec.template ?? {};
  const templateMeta = template.metadata ?? {};
  const podFailurePolicy = spec.podFailurePolicy && {
    ...spec.podFailurePolicy,
    ...(spec.podFailurePolicy.rules
      ? {
          rules: spec.podFailurePolicy.rules.map((r) =>
            r.onPodConditions
              ? { ...r, onPodConditions: r.onPodConditions.map((p) => ({ ...p, status: p.status || 'True' })) }
              : r,
          ),
        }
      : {}),
  };
  return {
    ...spec,
    parallelism: spec.parallelism ?? 1,
    ...(bothUnset ? { completions: 1 } : {}),
    backoffLimit: spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT),
    completionMode: spec.completionMode ?? 'NonIndexed',
    suspend: spec.suspend ?? false,
    ...(podFailurePolicy ? { podFailurePolicy } : {}),
    podReplacementPolicy: spec.podReplacementPolicy ?? (spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed'),
    template: {
      ...template,
      metadata: {
        ...templateMeta,
        // STRAT generateSelector: the job-name labels go on the template unless the selector is manual.
        ...(spec.manualSelector === true
          ? {}
          : { labels: withLabelsIfAbsent(templateMeta.labels, { [JOB_NAME_LABEL]: name, [LEGACY_JOB_NAME_LABEL]: name }) }),
      },
      spec: defaultPodSpec(template.spec ?? {}),
    },
  };
}

/** The manifest with every default applied; the input is not modified. */
export function applyJobDefaults(job: JobManifest): JobManifest {
  const metadata = job.metadata ?? {};
  const spec = defaultJobSpec(job.spec ?? {}, metadata.name ?? '');
  const templateLabels = spec.template?.metadata?.labels;
  const hasLabels = metadata.labels !== undefined && Object.keys(metadata.labels).length > 0;
  return {
    ...job,
    metadata: {
      ...metadata,
      namespace: metadata.namespace || DEFAULT_NAMESPACE,
      // SetDefaults_Job: a Job without labels takes its template's.
      ...(!hasLabels && templateLabels && Object.keys(templateLabels).length > 0 ? { labels: { ...templateLabels } } : {}),
    },
    spec,
  };
}
