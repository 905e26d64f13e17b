// The Job controller's durable state. Plain JSON only (no Map/Set, no Date): it lives in workflow
// memory, travels through queries and continue-as-new, and must compare equal after a round trip.
import type { JobCondition } from '../api/types';
import type { ContainerResult } from '../api/pod';

export type Ranges = Array<[number, number]>;

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Why the controller is deleting a pod; decides how the pod is counted once it is gone. */
export type DeletionCause =
  | 'JobFailed' // counted as failed (2.3)
  | 'ScaleDown' // not counted
  | 'Suspend' // not counted
  | 'JobSucceeded' // lingering pods after success: not counted
  | 'JobDeleted' // the Job itself is being deleted: the pods go with it
  | 'External'; // deleted or evicted by a user (`jobctl delete pod`): counted by podReplacementPolicy (2.3, 2.13)

export interface PodDeletion {
  cause: DeletionCause;
  at: string;
  /** The grace period the deletion asked for (`--grace-period`); the pod's terminationGracePeriodSeconds otherwise. */
  gracePeriodSeconds?: number;
  /** External deletions under podReplacementPolicy TerminatingOrFailed: counted as failed when they began (2.13). */
  counted?: boolean;
  /** An external deletion whose run the next sync has yet to stop (`apply` cannot decide, `reconcile` does). */
  stopPending?: boolean;
}

export interface PodCondition {
  type: 'DisruptionTarget';
  status: 'True';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface PodRecord {
  name: string;
  index?: number;
  phase: PodPhase;
  restartCount: number;
  creationTimestamp: string;
  startTime?: string;
  finishedAt?: string;
  /** Set while the pod is being deleted; the pod stays in `pods` until its process is gone. */
  deletion?: PodDeletion;
  /** OnFailure: when the next in-place run of the containers is due (epoch ms). */
  restartAt?: number;
  /** True while a run of the pod's containers is in flight on a worker. */
  running: boolean;
  worker?: string;
  reason?: string;
  message?: string;
  conditions?: PodCondition[];
  /** Containers of the latest run. */
  containers?: ContainerResult[];
  /** Containers of the run before the latest in-place restart (for `logs --previous`). */
  previousContainers?: ContainerResult[];
  /** backoffLimitPerIndex: counted / ignored failures of earlier pods of this index (the pod's annotations). */
  indexFailureCount?: number;
  indexIgnoredFailureCount?: number;
  /** What the pod failure policy decided about this pod's failure (for describe and tests). */
  podFailurePolicyAction?: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
}

/** backoffLimitPerIndex: an index whose last pod failed and that waits for its replacement (3, 2.6). */
export interface IndexFailureRecord {
  index: number;
  /** Counted failures of this index so far, including the last one. */
  failed: number;
  /** Failures matched by an Ignore rule so far. */
  ignored: number;
  /** Epoch ms of the last failure: the per-index backoff runs from here. */
  lastFailureTime: number;
}

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  /** Epoch ms of the latest failure that counts for the delay. */
  lastFailureTime?: number;
}

export interface JobState {
  startTime?: string;
  completionTime?: string;
  succeeded: number;
  failed: number;
  /** Indexed Jobs: the completed indexes as inclusive ranges. */
  completedIndexes: Ranges;
  /** backoffLimitPerIndex: indexes that failed for good. */
  failedIndexes: Ranges;
  /** backoffLimitPerIndex: indexes waiting for a replacement pod, with their failure counts. */
  indexFailures: IndexFailureRecord[];
  /** The first FailJob match of the pod failure policy (reason PodFailurePolicy), until it is acted on. */
  failJobMessage?: string;
  /** Set by a delete: every pod is terminated, then the workflow ends and the Job is removed. */
  deletionTimestamp?: string;
  /** Pods that are not finished yet: running, waiting for an in-place restart, or being deleted. */
  pods: PodRecord[];
  /** The most recent finished pods, newest last, bounded by RECENT_PODS. */
  finishedPods: PodRecord[];
  /** How many finished pods fell out of the `finishedPods` window. */
  finishedPodsDropped: number;
  /** Total pods ever created; numbering for stable ordering. */
  podsCreated: number;
  backoff: BackoffRecord;
  conditions: JobCondition[];
  events: JobEvent[];
  eventsDropped: number;
}

/** Bounded history windows: a Job can have 100,000 pods, its state must not grow with them. */
export const RECENT_PODS = 100;
export const MAX_EVENTS = 200;

export function initialState(): JobState {
  return {
    succeeded: 0,
    failed: 0,
    completedIndexes: [],
    failedIndexes: [],
    indexFailures: [],
    pods: [],
    finishedPods: [],
    finishedPodsDropped: 0,
    podsCreated: 0,
    backoff: { failuresAfterLastSuccess: 0 },
    conditions: [],
    events: [],
    eventsDropped: 0,
  };
}

/** Something that happened to the Job, folded into the state by `apply`. */
export type ControllerEvent =
  | { type: 'podStarted'; pod: string; worker?: string; at: number }
  | { type: 'podFinished'; pod: string; result: PodRunOutcome; at: number }
  | { type: 'podDisrupted'; pod: string; message: string; at: number }
  /** The controller's deletion ended the run; `result` says what the killed containers did, if known. */
  | { type: 'podCancelled'; pod: string; result?: PodRunOutcome; at: number }
  /** A user deleted the pod (`jobctl delete pod`), or evicted it (the delete adds DisruptionTarget first). */
  | { type: 'podDeleted'; pod: string; at: number; gracePeriodSeconds?: number; eviction?: boolean };

/** What a pod's run reported, reduced to what the controller needs (the activity's RunPodResult fits). */
export interface PodRunOutcome {
  phase: 'Succeeded' | 'Failed';
  reason?: string;
  message?: string;
  worker?: string;
  startedAt?: string;
  finishedAt?: string;
  containers: ContainerResult[];
}

/** What the controller asks the shell to do. */
export type Decision =
  | {
      type: 'runPod';
      pod: string;
      index?: number;
      restartCount: number;
      /** backoffLimitPerIndex: the counts the pod carries as annotations. */
      indexFailureCount?: number;
      indexIgnoredFailureCount?: number;
    }
  | { type: 'deletePod'; pod: string };

export interface ReconcileContext {
  /** Current time, epoch ms (workflow time in the shell). */
  now: number;
  /** Source of the 5-character pod name suffixes (deterministic in the shell). */
  randomSuffix: () => string;
  /**
   * The most pod runs (new pods and in-place restarts) this sync may start; unlimited when undefined.
   * The shell paces wide starts and caps pending activities with it, and holds starts with 0 while it
   * drains before continue-as-new. What is held back is started by a later sync.
   */
  maxStarts?: number;
  /**
   * Leave a Job whose spec.managedBy names another controller alone. The shell sets it for new runs only:
   * runs started before it existed ran such Jobs and must replay as they ran.
   */
  honourManagedBy?: boolean;
}

export interface ReconcileResult {
  decisions: Decision[];
  /** Epoch ms at which the controller wants to be asked again even if nothing happens. */
  wakeAt?: number;
  /** Why, for a person: `backoff 40s before retry 3` (the Web UI shows it as the timer's summary). */
  wakeFor?: string;
  /** True when `maxStarts` held back pod runs the Job wants now. */
  startsHeld?: boolean;
}
