// From a defaulted manifest that passed validation to the typed `Job` of ./types.ts: plain strings become
// their enumerations, required fields become required. Fields we accept but do not model (probes,
// resources, ...) are carried over verbatim; server-populated metadata is dropped.
import { DEFAULT_BACKOFF_LIMIT, DEFAULT_NAMESPACE, DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from './defaults';
import type { ContainerManifest, JobManifest, PodSpecManifest } from './job-schema';
import type { Container, EnvVar, Job, JobSpec, LabelSelector, PodSpec, PodFailurePolicy, Volume } from './types';
import { COMPLETION_MODES, CONDITION_STATUSES, ON_EXIT_CODES_OPERATORS, POD_FAILURE_POLICY_ACTIONS, POD_REPLACEMENT_POLICIES, RESTART_POLICIES } from './validation';

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T {
  const found = allowed.find((a) => a === value);
  // Validation has rejected every other value, so this is a bug, not a user error.
  if (found === undefined) throw new Error(`internal error: ${field} ${JSON.stringify(value)} passed validation`);
  return found;
}

function definedOnly<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function toEnvVar(e: NonNullable<ContainerManifest['env']>[number]): EnvVar {
  if (!e.valueFrom) return definedOnly({ name: e.name ?? '', value: e.value });
  // Sources other than fieldRef and secretKeyRef (config maps) are kept for ignoredPodFields to report.
  const { fieldRef, secretKeyRef, ...otherSources } = e.valueFrom;
  const valueFrom = definedOnly({
    ...otherSources,
    fieldRef: fieldRef && definedOnly({ fieldPath: fieldRef.fieldPath ?? '', apiVersion: fieldRef.apiVersion }),
    secretKeyRef: secretKeyRef && definedOnly({ name: secretKeyRef.name ?? '', key: secretKeyRef.key ?? '', optional: secretKeyRef.optional }),
  });
  return definedOnly({ name: e.name ?? '', value: e.value, valueFrom });
}

function toContainer(c: ContainerManifest): Container {
  return definedOnly({
    ...c,
    name: c.name ?? '',
    env: c.env?.map(toEnvVar),
    volumeMounts: c.volumeMounts?.map((m) => definedOnly({ ...m, name: m.name ?? '', mountPath: m.mountPath ?? '' })),
  });
}

function toPodSpec(spec: PodSpecManifest): PodSpec {
  return definedOnly({
    ...spec,
    containers: (spec.containers ?? []).map(toContainer),
    initContainers: spec.initContainers?.map(toContainer),
    restartPolicy: oneOf(spec.restartPolicy, RESTART_POLICIES, 'restartPolicy'),
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    volumes: spec.volumes?.map((v): Volume => definedOnly({ ...v, name: v.name ?? '' })),
  });
}

function toPodFailurePolicy(pfp: NonNullable<NonNullable<JobManifest['spec']>['podFailurePolicy']>): PodFailurePolicy {
  return {
    rules: (pfp.rules ?? []).map((r) =>
      definedOnly({
        action: oneOf(r.action, POD_FAILURE_POLICY_ACTIONS, 'action'),
        onExitCodes: r.onExitCodes && {
          ...(r.onExitCodes.containerName !== undefined ? { containerName: r.onExitCodes.containerName } : {}),
          operator: oneOf(r.onExitCodes.operator, ON_EXIT_CODES_OPERATORS, 'operator'),
          values: r.onExitCodes.values ?? [],
        },
        onPodConditions: r.onPodConditions?.map((p) => ({
          type: p.type ?? '',
          status: oneOf(p.status, CONDITION_STATUSES, 'status'),
        })),
      }),
    ),
  };
}

function toSelector(s: NonNullable<NonNullable<JobManifest['spec']>['selector']>): LabelSelector {
  return definedOnly({
    matchLabels: s.matchLabels,
    matchExpressions: s.matchExpressions?.map((e) =>
      definedOnly({
        key: e.key ?? '',
        operator: oneOf(e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, 'operator'),
        values: e.values,
      }),
    ),
  });
}

/** The typed Job; `backoffLimitSet` says whether the manifest (before defaulting) had a backoffLimit. */
export function toJob(m: JobManifest, backoffLimitSet: boolean): Job {
  const meta = m.metadata ?? {};
  const spec = m.spec ?? {};
  const template = spec.template ?? {};
  const tmeta = template.metadata;
  const jobSpec: JobSpec = definedOnly({
    parallelism: spec.parallelism ?? 1,
    completions: spec.completions ?? null,
    completionMode: oneOf(spec.completionMode, COMPLETION_MODES, 'completionMode'),
    backoffLimit: spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT,
    backoffLimitSet: backoffLimitSet || undefined,
    backoffLimitPerIndex: spec.backoffLimitPerIndex,
    maxFailedIndexes: spec.maxFailedIndexes,
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
    ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
    suspend: spec.suspend ?? false,
    podFailurePolicy: spec.podFailurePolicy && toPodFailurePolicy(spec.podFailurePolicy),
    successPolicy: spec.successPolicy && { rules: (spec.successPolicy.rules ?? []).map((r) => definedOnly({ ...r })) },
    podReplacementPolicy: oneOf(spec.podReplacementPolicy, POD_REPLACEMENT_POLICIES, 'podReplacementPolicy'),
    manualSelector: spec.manualSelector,
    selector: spec.selector && toSelector(spec.selector),
    managedBy: spec.managedBy,
    template: definedOnly({
      metadata: tmeta && definedOnly({ labels: tmeta.labels, annotations: tmeta.annotations, name: tmeta.name }),
      spec: toPodSpec(template.spec ?? {}),
    }),
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: definedOnly({
      name: meta.name ?? '',
      namespace: meta.namespace ?? DEFAULT_NAMESPACE,
      labels: meta.labels,
      annotations: meta.annotations,
    }),
    spec: jobSpec,
  };
}
