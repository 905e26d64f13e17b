// Which Kubernetes PodSpec/Container fields a manifest may carry, and which of them durable-jobs' runtimes
// actually honour. Real Kubernetes fields are accepted (a manifest written for a cluster must load as is)
// and kept verbatim; the ones we cannot honour are reported once by `ignoredPodFields`.
// Anything outside these lists is not a Kubernetes field and is rejected as an unknown field.
import type { PodSpec } from './types';

/** PodSpec fields the runtimes honour. */
export const HONOURED_POD_FIELDS = [
  'containers',
  'initContainers',
  'restartPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'volumes',
  'runtimeClassName',
  // Routes the pod to the task queue of workers whose node labels include it (src/api/task-queues.ts).
  'nodeSelector',
  // The sandbox's hostname (src/api/pod-identity.ts podHostname).
  'hostname',
] as const;

/** Other PodSpec fields of Kubernetes (v1.36), accepted and ignored. */
export const OTHER_POD_FIELDS = [
  'ephemeralContainers',
  'dnsPolicy',
  'dnsConfig',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'nodeName',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'shareProcessNamespace',
  'securityContext',
  'imagePullSecrets',
  'hostnameOverride',
  'subdomain',
  'setHostnameAsFQDN',
  'affinity',
  'schedulerName',
  'tolerations',
  'hostAliases',
  'priorityClassName',
  'priority',
  'preemptionPolicy',
  'readinessGates',
  'enableServiceLinks',
  'overhead',
  'topologySpreadConstraints',
  'os',
  'hostUsers',
  'schedulingGates',
  'resourceClaims',
  'resources',
] as const;

/** Container fields the runtimes honour. */
export const HONOURED_CONTAINER_FIELDS = [
  'name',
  'image',
  'command',
  'args',
  'env',
  'workingDir',
  'volumeMounts',
  'imagePullPolicy',
] as const;

/** Other Container fields of Kubernetes, accepted and ignored. `restartPolicy` is validated separately. */
export const OTHER_CONTAINER_FIELDS = [
  'ports',
  'envFrom',
  'resources',
  'resizePolicy',
  'restartPolicyRules',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
] as const;

/**
 * EnvVarSource kinds other than fieldRef and secretKeyRef: accepted, not resolved (no ConfigMaps here;
 * secrets are read from the worker's secrets dir, src/activities/env.ts).
 */
export const OTHER_ENV_SOURCES = ['resourceFieldRef', 'configMapKeyRef', 'fileKeyRef'] as const;

export const OTHER_VOLUME_MOUNT_FIELDS = ['subPathExpr', 'mountPropagation', 'recursiveReadOnly'] as const;

/** Volume sources other than emptyDir. */
export const OTHER_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

/** ObjectMeta fields that are accepted in manifests but not kept (server-populated, or meaningless here). */
export const DROPPED_META_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
  'ownerReferences',
  'finalizers',
] as const;

const honouredPod: ReadonlySet<string> = new Set(HONOURED_POD_FIELDS);
const honouredContainer: ReadonlySet<string> = new Set([...HONOURED_CONTAINER_FIELDS, 'restartPolicy']);
/**
 * Fields honoured in part, with the subfields that are (src/api/pod-resources.ts): the runtimes enforce
 * limits of memory and cpu, and run as the user and group asked for, where the host lets them (the
 * worker says once when it cannot). Requests only place pods on a cluster's nodes: nothing to do here.
 */
const PARTLY_HONOURED_CONTAINER: Readonly<Record<string, ReadonlySet<string>>> = {
  resources: new Set(['limits', 'requests']),
  securityContext: new Set(['runAsUser', 'runAsGroup']),
};
const HONOURED_LIMITS: ReadonlySet<string> = new Set(['memory', 'cpu']);
const PARTLY_HONOURED_POD: Readonly<Record<string, ReadonlySet<string>>> = {
  securityContext: new Set(['runAsUser', 'runAsGroup']),
};
const honouredMount: ReadonlySet<string> = new Set(['name', 'mountPath', 'readOnly', 'subPath']);

/** Subfields of a partly honoured field that are not honoured; the whole field when it is not an object. */
function unhonoured(path: string, value: unknown, honoured: ReadonlySet<string>): string[] {
  if (!isObject(value)) return [path];
  return Object.keys(value).filter((k) => !honoured.has(k) && present(value, k)).map((k) => `${path}.${k}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function present(obj: object, key: string): boolean {
  const v: unknown = (obj as Record<string, unknown>)[key];
  return v !== undefined && v !== null;
}

/**
 * Paths of the fields in a (parsed) pod template that the local runtimes cannot honour, e.g.
 * `spec.template.spec.containers[0].resources`, so the user can be told once that they are ignored.
 */
export function ignoredPodFields(spec: PodSpec): string[] {
  const base = 'spec.template.spec';
  const out: string[] = [];
  for (const k of Object.keys(spec)) {
    if (honouredPod.has(k) || !present(spec, k)) continue;
    const partly = PARTLY_HONOURED_POD[k];
    if (partly) out.push(...unhonoured(`${base}.${k}`, spec[k], partly));
    else out.push(`${base}.${k}`);
  }
  const lists: Array<['containers' | 'initContainers', PodSpec['containers'] | undefined]> = [
    ['initContainers', spec.initContainers],
    ['containers', spec.containers],
  ];
  for (const [list, containers] of lists) {
    (containers ?? []).forEach((c, i) => {
      const p = `${base}.${list}[${i}]`;
      for (const k of Object.keys(c)) {
        if (honouredContainer.has(k) || !present(c, k)) continue;
        const partly = PARTLY_HONOURED_CONTAINER[k];
        if (!partly) out.push(`${p}.${k}`);
        else out.push(...unhonoured(`${p}.${k}`, c[k], partly));
        const limits: unknown = k === 'resources' && isObject(c[k]) ? c[k].limits : undefined;
        if (isObject(limits)) for (const l of Object.keys(limits)) if (!HONOURED_LIMITS.has(l)) out.push(`${p}.resources.limits[${l}]`);
      }
      (c.env ?? []).forEach((e, j) => {
        for (const s of OTHER_ENV_SOURCES) if (e.valueFrom && present(e.valueFrom, s)) out.push(`${p}.env[${j}].valueFrom.${s}`);
      });
      (c.volumeMounts ?? []).forEach((m, j) => {
        for (const k of Object.keys(m)) if (!honouredMount.has(k) && present(m, k)) out.push(`${p}.volumeMounts[${j}].${k}`);
      });
    });
  }
  (spec.volumes ?? []).forEach((v, i) => {
    for (const s of OTHER_VOLUME_SOURCES) if (present(v, s)) out.push(`${base}.volumes[${i}].${s}`);
  });
  return out;
}
