// A pod deleted from outside the controller (`kubectl delete pod`, the Eviction API): which pods can be
// deleted, and the condition an eviction adds first. How such a pod is counted is in reconcile.ts
// (`apply`, event `podDeleted`), beside the other ways a pod ends (JOB-SEMANTICS 2.3, 2.13, 4.1).
import type { JobState, PodCondition } from './state';
import { iso } from './status';

/** What the API server's eviction subresource sets on the pod before it deletes it. */
export const EVICTION = { reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' } as const;

export function evictionCondition(at: number): PodCondition {
  return { type: 'DisruptionTarget', status: 'True', reason: EVICTION.reason, message: EVICTION.message, lastTransitionTime: iso(at) };
}

/**
 * Why the pod cannot be deleted, if it cannot: only a pod that has not finished exists to delete. A
 * finished pod stays in the Job's history (Kubernetes would remove it, which changes no count). A pod
 * already being deleted can be deleted again, which changes nothing, as in Kubernetes.
 */
export function podDeletionProblem(state: JobState, pod: string): string | undefined {
  if (state.pods.some((p) => p.name === pod)) return undefined;
  const finished = state.finishedPods.find((p) => p.name === pod);
  if (finished) return `pods "${pod}" not found: the pod has finished (${finished.phase}); it stays in the Job's history, and a finished pod changes no count`;
  return `pods "${pod}" not found`;
}
