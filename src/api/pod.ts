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

export type ContainerReason = 'Completed' | 'Error' | 'ContainerCannotRun' | 'DeadlineExceeded' | 'Killed' | 'OOMKilled';

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
