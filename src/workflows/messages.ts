// Message definitions shared by the workflow and its clients. Importing this module pulls in only
// `defineQuery`/`defineSignal`, which are safe outside a workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Job, JobStatus } from '../api/types';
import type { JobEvent, JobState, PodRecord } from '../controller/state';

export const JOB_WORKFLOW_TYPE = 'job';

export interface JobInput {
  job: Job;
  /** Carried over by continue-as-new. */
  state?: JobState;
}

export interface JobResult {
  job: Job & { status: JobStatus };
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

export const statusQuery = defineQuery<JobStatus>('status');
export const jobQuery = defineQuery<Job & { status: JobStatus }>('job');
export const podsQuery = defineQuery<PodsPage, [PodsQueryArgs?]>('pods');
export const eventsQuery = defineQuery<JobEvent[]>('events');
export const podStartedSignal = defineSignal<[PodStarted]>('podStarted');

/** One workflow per Job: Kubernetes' namespace/name is the identity. */
export function jobWorkflowId(namespace: string, name: string): string {
  return `job/${namespace}/${name}`;
}
