// What the CronJob's Schedule starts, shared by the workflow, the activities' callers and the client.
import type { CronJob } from '../api/cronjob';
import type { CronJobEvent } from '../cronjob/events';

/** The workflow type a CronJob's Schedule starts once per scheduled time. */
export const CRONJOB_RUN_WORKFLOW_TYPE = 'cronJobRun';

export interface CronJobRunInput {
  /** The CronJob as it is now (the schedule's action is updated with every change). */
  cronJob: CronJob;
  /** Whether the Job search attributes exist on this server: the Jobs are started with them only then. */
  searchAttributes: boolean;
}

export interface CronJobRunResult {
  /** The Job this run created (or found already created), if any. */
  job?: string;
  outcome?: 'Complete' | 'Failed' | 'Deleted' | 'Missing' | 'Skipped';
  events: CronJobEvent[];
}

/**
 * What a run keeps in its memo as it goes, so the client lists it with the run (no result to fetch): the
 * CronJob's events, its `active` Jobs and status times are read from its runs.
 */
export const MEMO_CRONJOB_RUN = 'cronJobRun';

export interface CronJobRunMemo {
  events: CronJobEvent[];
  /** The Job this run created. */
  job?: string;
  /** Set once the run has seen its Job finish or go: the Job is no longer among the CronJob's active ones. */
  jobEnded?: boolean;
  /** The scheduled time (RFC 3339) of that Job: status.lastScheduleTime. */
  scheduledTime?: string;
  /** Its completionTime once it completed: status.lastSuccessfulTime. */
  completionTime?: string;
}
