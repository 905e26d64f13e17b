// A pod's container statuses (state, lastState, restarts) as the kubelet would report them, derived from
// the pod record the Job keeps.
import { constants as osConstants } from 'node:os';
import type { Container, ContainerResult, Job, PodRecord } from '../../client';
import { kubeTime } from './time';

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
export function containerStatuses(job: Job, pod: PodRecord, init: boolean): KubeContainerStatus[] | undefined {
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
