// What the client's verbs take and return, beside the Job's own types (src/api) and the records its
// workflow reports (src/workflows/messages).
import type { SelectorRequirement } from '../api/label-selector';
import type { JobEvent, JobWithStatus, PodRecord } from '../workflows/messages';

export interface JobsClientOptions {
  taskQueue?: string;
  /** How long a query may wait for a worker before the client says none is polling (default 5 s). */
  workerTimeoutMs?: number;
  /** A worker data dir on this host: `logs` reads whole log files from it when the pod ran here. */
  dataDir?: string;
}

/** Where a Job's state came from. */
export type JobSource =
  /** A worker answered a query: live. */
  | 'live'
  /** The finished Job's workflow result. */
  | 'result'
  /** Only what the server stores (no worker answered, or the workflow ended without a result). */
  | 'stored';

export interface JobInfo {
  job: JobWithStatus;
  source: JobSource;
  /** The workflow is still running (the Job takes changes). */
  running: boolean;
  taskQueue: string;
  /** Why `source` is `stored` for a running Job. */
  warning?: string;
}

export interface JobDetails extends JobInfo {
  pods: PodRecord[];
  /** Finished pods that fell out of the Job's bounded memory. */
  podsDropped: number;
  events: JobEvent[];
}

export interface PodRow {
  job: JobWithStatus;
  pod: PodRecord;
}

/** One event of a Job (`kubectl get events`): events here are the Jobs' own. */
export interface EventRow {
  job: JobWithStatus;
  event: JobEvent;
}

export interface ListOptions {
  /** Kubernetes namespace; undefined for every namespace (`-A`). */
  namespace?: string;
  /** kubectl's `-l` text, or parsed requirements. */
  selector?: string | readonly SelectorRequirement[];
}

export interface ListResult<T> {
  items: T[];
  /** Things the caller should tell the user (no worker, no search attributes). */
  warnings: string[];
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export type WaitCondition = 'complete' | 'failed' | 'suspended';
