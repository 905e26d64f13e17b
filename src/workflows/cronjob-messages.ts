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

/** The memo key under which a run keeps its events as it goes (listed without fetching results). */
export const MEMO_CRONJOB_EVENTS = 'cronJobEvents';

/** The memo key under which a run that saw its Job complete keeps the Job's completionTime (lastSuccessfulTime). */
export const MEMO_CRONJOB_COMPLETION = 'cronJobCompletionTime';
