// The contract between the workflow shell and the pod activity: one call runs one pod attempt
// (for restartPolicy OnFailure, one run of the pod's containers; restartCount says which).
import type { Labels, PodSpec } from './types';

export interface RunPodInput {
  namespace: string;
  jobName: string;
  jobUid: string;
  podName: string;
  /** Completion index for Indexed Jobs; the runtime sets JOB_COMPLETION_INDEX from it. */
  index?: number;
  /** 0 for the first run of the pod's containers, +1 for each in-place restart (OnFailure). */
  restartCount: number;
  labels: Labels;
  annotations: Labels;
  spec: PodSpec;
}

export type ContainerReason = 'Completed' | 'Error' | 'ContainerCannotRun' | 'CreateContainerConfigError' | 'DeadlineExceeded' | 'Killed' | 'OOMKilled';

export interface ContainerResult {
  name: string;
  init: boolean;
  /** null when the process could not be started or was ended by a signal with no exit code. */
  exitCode: number | null;
  signal?: string;
  reason: ContainerReason;
  message?: string;
  startedAt: string;
  finishedAt: string;
  /** The newest part of the container's combined stdout and stderr (at most 64 KiB). */
  logTail: string;
  /** True when logTail is only the end of a longer log. */
  logTruncated: boolean;
  /** Where the worker kept the full log. */
  logFile?: string;
  /** The runtime pulled the container's image, or failed to (the docker runtime): the Job's events say so. */
  imagePull?: ImagePull;
}

/** What the kubelet reports as the pod events `Pulled` and `Failed` (ErrImagePull). */
export interface ImagePull {
  image: string;
  outcome: 'Pulled' | 'Failed';
  /** Why the pull failed, in the runtime's words. */
  message?: string;
}

export interface RunPodResult {
  phase: 'Succeeded' | 'Failed';
  /** Pod-level reason, e.g. DeadlineExceeded for a pod activeDeadlineSeconds. */
  reason?: string;
  message?: string;
  /** Identity of the worker host that ran the pod. */
  worker: string;
  startedAt: string;
  finishedAt: string;
  containers: ContainerResult[];
}

/**
 * A pod that ended Failed ends its activity failed (so the Web UI shows it red), with this failure type
 * and the pod's RunPodResult as the failure's details: the workflow reads it back as the pod's result.
 */
export const POD_FAILED_FAILURE_TYPE = 'PodFailed';

/** How many lines of the failed container's log the failure message carries. */
const FAILURE_LOG_LINES = 20;

/**
 * What a person looking at the failed activity needs first: `pod pi-x7k2p · exit 3 · Error`, the
 * failure's message, then the end of the failed container's log.
 */
export function podFailureMessage(podName: string, result: RunPodResult): string {
  const container = result.containers.find((c) => c.reason !== 'Completed');
  const exit = container?.exitCode !== null && container?.exitCode !== undefined ? `exit ${container.exitCode}` : container?.signal ? `killed by ${container.signal}` : undefined;
  const reason = result.reason ?? container?.reason;
  const head = [`pod ${podName}`, exit, reason].filter((p) => p !== undefined).join(' · ');
  const lines = [head];
  if (result.message) lines.push(result.message);
  const tail = container?.logTail.trimEnd().split('\n').slice(-FAILURE_LOG_LINES).join('\n');
  if (tail) lines.push(`--- last lines of container "${container?.name}":`, tail);
  return lines.join('\n');
}
