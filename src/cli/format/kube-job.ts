// A Job as `kubectl get job NAME -o json` prints it.
import type { JobCondition, JobWithStatus } from '../../client';
import { canonical, deepCopy, nonEmpty, omitZero, type KubeObject } from './kube-object';
import { kubeTime } from './time';

/** Fields that newer controller or API code may carry but that this module's imported types may not declare yet. */
interface OptionalMeta {
  deletionTimestamp?: string;
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
