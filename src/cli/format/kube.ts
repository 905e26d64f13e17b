// Jobs and pods in the JSON shape the Kubernetes API serves, as `kubectl get -o json` prints it.
//
// kubectl decodes server responses into maps (unstructured), so every object it prints has its keys in
// sorted order at every level, and fields follow Go's `omitempty` rules: a zero int32 is dropped, a pointer
// (`*int32`, `*string`, `*struct`) is kept whenever it is set, even to zero or "". Timestamps are metav1.Time:
// RFC 3339 in UTC with whole seconds.
import { constants as osConstants } from 'node:os';
import type { ContainerResult } from '../../api/pod';
import type { Container, Job, JobCondition, Labels, PodSpec } from '../../api/types';
import { podGenerateName, podIdentity } from '../../controller/pods';
import type { PodPhase, PodRecord } from '../../controller/state';
import type { JobWithStatus } from '../../workflows/messages';
import { kubeTime } from './time';

export type KubeObject = Record<string, unknown>;

const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
const INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

/** Fields that newer controller or API code may carry but that this module's imported types may not declare yet. */
interface OptionalMeta {
  deletionTimestamp?: string;
}
interface OptionalPodCounts {
  indexFailureCount?: number;
  indexIgnoredFailureCount?: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The object as Go's encoding/json prints a map: keys sorted at every level, and `undefined` (our
 * stand-in for an omitted field) dropped. `null` is kept: metav1.Time prints a zero time as null.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const v = value[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  return out;
}

function nonEmpty<T extends object>(map: T | undefined): T | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}

/** int32 with `omitempty`: zero is not printed. */
function omitZero(n: number): number | undefined {
  return n === 0 ? undefined : n;
}

function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

function kubeCondition(c: JobCondition): KubeObject {
  return {
    lastProbeTime: kubeTime(c.lastProbeTime),
    lastTransitionTime: kubeTime(c.lastTransitionTime),
    message: c.message || undefined,
    reason: c.reason || undefined,
    status: c.status,
    type: c.type,
  };
}

/**
 * The Job as `kubectl get job NAME -o json` prints it. Fields the API server would add but that nothing
 * here honours (dnsPolicy, schedulerName, terminationMessagePath...) are not invented; our own
 * bookkeeping (`backoffLimitSet`) is left out.
 */
export function toKubeJob(job: JobWithStatus): KubeObject {
  const { metadata, spec, status } = job;
  const template = spec.template;
  const kube = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      annotations: nonEmpty(metadata.annotations),
      creationTimestamp: kubeTime(metadata.creationTimestamp),
      deletionTimestamp: kubeTime((metadata as OptionalMeta).deletionTimestamp),
      generation: metadata.generation,
      labels: nonEmpty(metadata.labels),
      name: metadata.name,
      namespace: metadata.namespace,
      ownerReferences: metadata.ownerReferences && deepCopy(metadata.ownerReferences),
      uid: metadata.uid,
    },
    spec: {
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      backoffLimit: spec.backoffLimit,
      backoffLimitPerIndex: spec.backoffLimitPerIndex,
      completionMode: spec.completionMode,
      // null is our work-queue mode: the field is simply not set in Kubernetes.
      completions: spec.completions ?? undefined,
      managedBy: spec.managedBy,
      manualSelector: spec.manualSelector,
      maxFailedIndexes: spec.maxFailedIndexes,
      parallelism: spec.parallelism,
      podFailurePolicy: spec.podFailurePolicy && deepCopy(spec.podFailurePolicy),
      podReplacementPolicy: spec.podReplacementPolicy,
      selector: spec.selector && deepCopy(spec.selector),
      successPolicy: spec.successPolicy && deepCopy(spec.successPolicy),
      suspend: spec.suspend,
      template: {
        // ObjectMeta is a struct without omitempty: an empty template metadata still prints as {}.
        metadata: {
          annotations: nonEmpty(template.metadata?.annotations),
          labels: nonEmpty(template.metadata?.labels),
          name: template.metadata?.name,
        },
        spec: deepCopy(template.spec),
      },
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
    },
    status: {
      active: omitZero(status.active),
      completedIndexes: status.completedIndexes || undefined,
      completionTime: kubeTime(status.completionTime),
      conditions: status.conditions.length > 0 ? status.conditions.map(kubeCondition) : undefined,
      failed: omitZero(status.failed),
      // *string: printed whenever set (backoffLimitPerIndex), even as "".
      failedIndexes: status.failedIndexes,
      // *int32, always set by the current controller: printed even when 0.
      ready: status.ready,
      startTime: kubeTime(status.startTime),
      succeeded: omitZero(status.succeeded),
      terminating: status.terminating,
      // The finalizer protocol's lists are empty once pods are counted; the struct itself is always set.
      uncountedTerminatedPods: {},
    },
  };
  return canonical(kube) as KubeObject;
}

// ---- pods ----

export interface KubeContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface KubeContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: KubeContainerStateTerminated;
}

export interface KubeContainerStatus {
  name: string;
  image: string;
  imageID: string;
  ready: boolean;
  restartCount: number;
  started: boolean;
  state: KubeContainerState;
  lastState: KubeContainerState;
}

export interface KubePodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime?: string;
}

export interface KubePodStatus {
  phase: PodPhase;
  reason?: string;
  message?: string;
  startTime?: string;
  conditions?: KubePodCondition[];
  initContainerStatuses?: KubeContainerStatus[];
  containerStatuses?: KubeContainerStatus[];
}

export interface KubeOwnerReference {
  apiVersion: 'batch/v1';
  kind: 'Job';
  name: string;
  uid?: string;
  controller: true;
  blockOwnerDeletion: true;
}

export interface KubePod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    generateName: string;
    namespace: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels: Labels;
    annotations?: Labels;
    finalizers?: string[];
    ownerReferences: KubeOwnerReference[];
  };
  spec: PodSpec & { hostname?: string; nodeName?: string };
  status: KubePodStatus;
}

/** Signal number for a Node signal name (`SIGKILL` -> 9); Kubernetes reports signals as numbers. */
function signalNumber(name: string | undefined): number | undefined {
  if (!name) return undefined;
  const table = osConstants.signals as Record<string, number | undefined>;
  return table[name];
}

function succeeded(r: ContainerResult): boolean {
  return r.exitCode === 0;
}

function terminatedState(r: ContainerResult): KubeContainerState {
  const signal = signalNumber(r.signal);
  // A process ended by a signal has no exit code; runtimes report 128+signal, and 128 when it never started.
  const exitCode = r.exitCode ?? 128 + (signal ?? 0);
  return {
    terminated: {
      exitCode,
      signal,
      reason: r.reason,
      message: r.message || undefined,
      startedAt: kubeTime(r.startedAt) ?? null,
      finishedAt: kubeTime(r.finishedAt) ?? null,
    },
  };
}

/** What the kubelet reports for a container of a pod that ended without telling us about it (a lost worker). */
const UNKNOWN_TERMINATED: KubeContainerState = {
  terminated: {
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
    startedAt: null,
    finishedAt: null,
  },
};

/**
 * Container statuses derived from the pod record. The worker reports a run's containers only when the run
 * ends, so while a run is in flight the per-container progress is unknown: main containers are shown
 * running once the pod is Running, and init containers are then left out rather than guessed.
 */
function containerStatuses(job: Job, pod: PodRecord, init: boolean): KubeContainerStatus[] | undefined {
  const specs: Container[] = (init ? job.spec.template.spec.initContainers : job.spec.template.spec.containers) ?? [];
  if (specs.length === 0) return undefined;
  const hasInit = (job.spec.template.spec.initContainers ?? []).length > 0;
  const find = (runs: ContainerResult[] | undefined, name: string): ContainerResult | undefined =>
    runs?.find((r) => r.init === init && r.name === name);
  const inFlight = pod.running;
  const backingOff = !pod.running && pod.restartAt !== undefined;
  if (init && inFlight && pod.phase === 'Running') return undefined;
  // A failed init container stops the pod before its later containers run.
  const initFailed = (pod.containers ?? []).some((r) => r.init && !succeeded(r));

  return specs.map((c): KubeContainerStatus => {
    const latest = find(pod.containers, c.name);
    const previous = find(pod.previousContainers, c.name);
    // Restarts are counted per pod; they belong to the containers that failed (exact for one container).
    const everFailed = [latest, previous].some((r) => r !== undefined && !succeeded(r));
    const status: KubeContainerStatus = {
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      restartCount: everFailed ? pod.restartCount : 0,
      started: false,
      state: {},
      lastState: {},
    };
    if (inFlight) {
      if (latest) status.lastState = terminatedState(latest);
      if (init || pod.phase === 'Pending') {
        status.state = { waiting: { reason: init || hasInit ? 'PodInitializing' : 'ContainerCreating' } };
      } else {
        // The first run started at the pod's startTime; the start of a later run is not recorded.
        status.state = { running: { startedAt: pod.restartCount === 0 ? kubeTime(pod.startTime) : undefined } };
        status.ready = !pod.deletion;
        status.started = true;
      }
    } else if (latest) {
      if (backingOff && !succeeded(latest)) {
        status.state = { waiting: { reason: 'CrashLoopBackOff' } };
        status.lastState = terminatedState(latest);
      } else {
        status.state = terminatedState(latest);
        if (previous) status.lastState = terminatedState(previous);
      }
    } else if (initFailed) {
      status.state = { waiting: { reason: 'PodInitializing' } };
    } else if (pod.phase === 'Failed' || pod.phase === 'Succeeded') {
      status.state = UNKNOWN_TERMINATED;
    }
    return status;
  });
}

function podConditions(pod: PodRecord, ready: boolean, notReady: string[]): KubePodCondition[] {
  const conditions: KubePodCondition[] = [];
  const started = kubeTime(pod.startTime);
  const changed = ready ? started : kubeTime(pod.finishedAt ?? pod.deletion?.at ?? pod.startTime ?? pod.creationTimestamp);
  const notReadyReason =
    pod.phase === 'Succeeded'
      ? { reason: 'PodCompleted' }
      : pod.phase === 'Failed'
        ? { reason: 'PodFailed' }
        : { reason: 'ContainersNotReady', message: `containers with unready status: [${notReady.join(' ')}]` };
  for (const type of ['Ready', 'ContainersReady']) {
    conditions.push(
      ready
        ? { type, status: 'True', lastProbeTime: null, lastTransitionTime: changed }
        : { type, status: 'False', ...notReadyReason, lastProbeTime: null, lastTransitionTime: changed },
    );
  }
  // Scheduled means a worker took the pod; before that nothing is known about placement.
  if (pod.worker !== undefined) conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: started });
  for (const c of pod.conditions ?? []) {
    conditions.push({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastProbeTime: null,
      lastTransitionTime: kubeTime(c.lastTransitionTime),
    });
  }
  return conditions;
}

/** The pod as a typed object (keys in construction order); `toKubePod` is its printed form. */
export function kubePod(job: Job, pod: PodRecord): KubePod {
  const identity = podIdentity(job, pod.index);
  const annotations: Labels = { ...identity.annotations };
  const counts = pod as PodRecord & OptionalPodCounts;
  if (pod.index !== undefined && counts.indexFailureCount !== undefined) {
    annotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(counts.indexFailureCount);
    if ((counts.indexIgnoredFailureCount ?? 0) > 0) annotations[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(counts.indexIgnoredFailureCount);
  }
  const templateSpec = deepCopy(job.spec.template.spec);
  const spec: KubePod['spec'] = { ...templateSpec };
  // Indexed pods get a stable hostname unless the template sets one (JOB-SEMANTICS 6.5).
  if (pod.index !== undefined && !spec.hostname) spec.hostname = `${job.metadata.name}-${pod.index}`;
  if (pod.worker !== undefined) spec.nodeName = pod.worker;

  const containerStatusList = containerStatuses(job, pod, false);
  const initStatusList = containerStatuses(job, pod, true);
  const containersReady = (containerStatusList ?? []).every((s) => s.ready) && (containerStatusList ?? []).length > 0;
  const notReady = (containerStatusList ?? []).filter((s) => !s.ready).map((s) => s.name);

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      generateName: podGenerateName(job.metadata.name, pod.index),
      namespace: job.metadata.namespace,
      creationTimestamp: kubeTime(pod.creationTimestamp),
      deletionTimestamp: pod.deletion ? kubeTime(pod.deletion.at) : undefined,
      deletionGracePeriodSeconds: pod.deletion ? job.spec.template.spec.terminationGracePeriodSeconds : undefined,
      labels: identity.labels,
      annotations: nonEmpty(annotations),
      // The controller removes its finalizer once the finished pod is counted (JOB-SEMANTICS 6.3).
      finalizers: pod.finishedAt === undefined ? [JOB_TRACKING_FINALIZER] : undefined,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: job.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
    status: {
      phase: pod.phase,
      reason: pod.reason,
      message: pod.message,
      startTime: kubeTime(pod.startTime),
      conditions: podConditions(pod, containersReady, notReady),
      initContainerStatuses: initStatusList,
      containerStatuses: containerStatusList,
    },
  };
}

/** A pod of the Job as `kubectl get pod NAME -o json` prints it. */
export function toKubePod(job: Job, pod: PodRecord): KubeObject {
  return canonical(kubePod(job, pod)) as KubeObject;
}

/** Several objects as kubectl prints them together (`kind: List`). */
export function kubeList(items: KubeObject[]): KubeObject {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}
