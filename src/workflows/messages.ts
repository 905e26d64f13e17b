// Message definitions shared by the workflow and its clients. Importing this module pulls in only
// `defineQuery`/`defineSignal`, which are safe outside a workflow.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Job, JobStatus } from '../api/types';
import type { JobEvent, JobState, PodRecord } from '../controller/state';

// The records the queries and the result carry, for clients that must not reach into the controller.
export type { DeletionCause, JobEvent, PodCondition, PodPhase, PodRecord } from '../controller/state';

export const JOB_WORKFLOW_TYPE = 'job';

export interface JobInput {
  job: Job;
  /** Carried over by continue-as-new. */
  state?: JobState;
  /** When a run hands the Job to a new one; defaults in src/workflows/continue-as-new.ts. */
  continueAsNew?: ContinueAsNewThresholds;
}

/**
 * A run of the Job's workflow drains and continues as new once its history reaches either threshold (or
 * the server suggests it). Small values let tests cross several runs with a few pods.
 */
export interface ContinueAsNewThresholds {
  historyEvents?: number;
  historyBytes?: number;
}

export type JobWithStatus = Job & { status: JobStatus };

export interface JobResult {
  job: JobWithStatus;
  /** True when the Job ended because it was deleted (its execution is then removed from Temporal). */
  deleted?: boolean;
  /** The most recent pods, oldest first (bounded window; see `podsDropped`). */
  pods: PodRecord[];
  podsDropped: number;
  events: JobEvent[];
}

export interface PodsPage {
  items: PodRecord[];
  /** Pods the Job still remembers (finished window + unfinished). */
  total: number;
  /** Finished pods that fell out of the remembered window. */
  dropped: number;
}

export interface PodsQueryArgs {
  offset?: number;
  limit?: number;
}

export interface PodStarted {
  pod: string;
  worker: string;
}

/** Pods of this run that have been running on `worker` for a while (src/activities/announce.ts batches them). */
export interface PodsStarted {
  worker: string;
  pods: { pod: string; startedAt: string }[];
}

/**
 * A JSON merge patch (RFC 7386) of the Job, as `kubectl patch --type=merge -p '{"spec":{...}}'` sends it:
 * objects merge, `null` removes a field, arrays and scalars replace.
 */
export interface JobMergePatch {
  metadata?: { labels?: Record<string, string | null> | null; annotations?: Record<string, string | null> | null };
  spec?: Record<string, unknown>;
}

/** `kubectl scale job --replicas=N` sets parallelism; Indexed elastic scaling changes completions too (2.12). */
export interface ScaleRequest {
  parallelism: number;
  completions?: number;
}

/**
 * An update the Job refused, as the ApplicationFailure `type` the update fails with. For `Invalid` the
 * failure's message is kubectl's (`The Job "x" is invalid: spec.completions: ...: field is immutable`) and
 * `details[0]` is the API server's Status object (`InvalidStatus`, with field paths).
 */
export const UPDATE_REJECTED = { invalid: 'Invalid', finished: 'JobFinished', deleting: 'JobDeleting' } as const;

export const statusQuery = defineQuery<JobStatus>('status');
export const jobQuery = defineQuery<JobWithStatus>('job');
export const podsQuery = defineQuery<PodsPage, [PodsQueryArgs?]>('pods');
export const eventsQuery = defineQuery<JobEvent[]>('events');
/** One pod's start; workers before batched announcements sent it, so histories hold it. */
export const podStartedSignal = defineSignal<[PodStarted]>('podStarted');
export const podsStartedSignal = defineSignal<[PodsStarted]>('podsStarted');

// Changes to a running Job. Each has a synchronous validator: a refused change fails the update at once
// (see UPDATE_REJECTED) and leaves the Job as it was. Each returns the Job as it is after the change.
export const patchUpdate = defineUpdate<JobWithStatus, [JobMergePatch]>('patch');
export const suspendUpdate = defineUpdate<JobWithStatus>('suspend');
export const resumeUpdate = defineUpdate<JobWithStatus>('resume');
export const scaleUpdate = defineUpdate<JobWithStatus, [ScaleRequest]>('scale');
/**
 * Deletes the Job: every pod is terminated (SIGTERM, grace period, SIGKILL) and the update returns once
 * all of them are gone. The workflow then ends and a `jobRemoval` workflow removes its execution, so the
 * Job no longer lists and its name is free. A finished Job (closed workflow) is removed by the client
 * directly (`deleteWorkflowExecution`).
 */
export const deleteUpdate = defineUpdate<JobWithStatus>('delete');

/**
 * `kubectl delete pod NAME [--grace-period N]`, or an eviction (a delete that first adds the pod condition
 * DisruptionTarget=True/EvictionByEvictionAPI). Refused with type `NotFound` and Kubernetes' message
 * (`pods "x" not found`) for a pod that has finished or never was. Accepted, it stops counting the pod as
 * active, terminates it (SIGTERM, the grace period, SIGKILL) and returns the pod once its process is gone.
 */
export const deletePodUpdate = defineUpdate<PodRecord, [PodDeletionRequest]>('deletePod');

export interface PodDeletionRequest {
  pod: string;
  /** Overrides the pod's terminationGracePeriodSeconds; 0 kills at once (kubectl's `--force`). */
  gracePeriodSeconds?: number;
  /** An eviction rather than a plain delete. */
  eviction?: boolean;
}

/** The ApplicationFailure type of a pod deletion refused because the pod does not exist (any more). */
export const POD_NOT_FOUND = 'NotFound';

/**
 * Asked by a pod's activity when its run is cancelled: the grace period its deletion asked for, or
 * null for the pod's own terminationGracePeriodSeconds. Same name in src/activities/run-pod.ts.
 */
export const podGracePeriodQuery = defineQuery<number | null, [string]>('podGracePeriod');

/** The workflow that removes a finished Job's execution after ttlSecondsAfterFinished (or at once after delete). */
export const JOB_REMOVAL_WORKFLOW_TYPE = 'jobRemoval';

export interface JobRemovalInput {
  workflowId: string;
  /** Only this run is removed: a new Job that reuses the name is never touched (Kubernetes' UID precondition). */
  runId: string;
  /** Epoch ms at which the Job may be removed. */
  removeAt: number;
  /** The Job's metadata.uid: when given, the execution is removed only if its Job has this uid. */
  uid?: string;
}

export function jobRemovalWorkflowId(workflowId: string, runId: string): string {
  return `remove/${workflowId}/${runId}`;
}

/** One workflow per Job: Kubernetes' namespace/name is the identity. */
export function jobWorkflowId(namespace: string, name: string): string {
  return `job/${namespace}/${name}`;
}
