// A pod of a Job as `kubectl get pod NAME -o json` prints it: metadata from the Job's pod identity,
// the template's spec, and a status built from the pod record.
import { podGenerateName, podIdentity, type Job, type Labels, type PodPhase, type PodRecord, type PodSpec } from '../../client';
import { containerStatuses, type KubeContainerStatus } from './kube-container-status';
import { canonical, deepCopy, nonEmpty, type KubeObject } from './kube-object';
import { kubeTime } from './time';

const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

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
  // backoffLimitPerIndex: an indexed pod's record carries the failure counts its annotations show.
  const identity = podIdentity(job, pod.index, pod.index !== undefined ? pod : {});
  const annotations: Labels = { ...identity.annotations };
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
      deletionGracePeriodSeconds: pod.deletion ? (pod.deletion.gracePeriodSeconds ?? job.spec.template.spec.terminationGracePeriodSeconds) : undefined,
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
