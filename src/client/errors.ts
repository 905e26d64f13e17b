// Typed errors of the Jobs client, worded as kubectl words the API server's answers, so the CLI can print
// `message` as it is and programs can branch on the class.
import type { FieldError, InvalidStatus } from '../api';

/** `Error from server (NotFound): jobs "x" not found`. */
export class NotFoundError extends Error {
  readonly reason = 'NotFound';
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    readonly resource: 'jobs' | 'pods' | 'cronjobs' = 'jobs',
    /** The server's own words when they say more (`pods "x" not found: the pod has finished ...`). */
    detail?: string,
  ) {
    super(`Error from server (NotFound): ${detail ?? `${resource} "${jobName}" not found`}`);
    this.name = 'NotFoundError';
  }
}

/** A Job of that name exists in the namespace (running or finished but not deleted). */
export class AlreadyExistsError extends Error {
  readonly reason = 'AlreadyExists';
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    readonly resource: 'jobs' | 'cronjobs' = 'jobs',
  ) {
    super(`Error from server (AlreadyExists): ${resource} "${jobName}" already exists`);
    this.name = 'AlreadyExistsError';
  }
}

/** A change the Job refused: kubectl's `The Job "x" is invalid: <field>: <error>`, with the field errors. */
export class InvalidError extends Error {
  readonly reason = 'Invalid';
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    message: string,
    /** The API server's Status object, when the Job sent one. */
    readonly status?: InvalidStatus,
  ) {
    super(message);
    this.name = 'InvalidError';
  }

  /** The field errors as `{field, reason, message}` causes (the Status object's `details.causes`). */
  get causes(): InvalidStatus['details']['causes'] {
    return this.status?.details.causes ?? [];
  }
}

/** A change to a Job that has finished (Complete or Failed) or is being deleted: its workflow takes no more changes. */
export class JobFinishedError extends Error {
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    readonly why: 'finished' | 'deleting',
    detail?: string,
  ) {
    super(
      detail ??
        (why === 'finished'
          ? `Error from server (Conflict): job "${jobName}" has finished; a finished Job takes no changes (delete it and create it again)`
          : `Error from server (Conflict): job "${jobName}" is being deleted`),
    );
    this.name = 'JobFinishedError';
  }
}

/**
 * A running Job's live state needs a worker to answer, and none did in time: none polls its task queue,
 * or (`busy`) one polls but did not answer before the deadline.
 */
export class NoWorkerError extends Error {
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    readonly taskQueue: string,
    readonly busy = false,
  ) {
    super(
      busy
        ? `the worker polling task queue "${taskQueue}" did not answer in time (Job ${namespace}/${jobName} is running; the worker is busy)`
        : `no worker is polling task queue "${taskQueue}" (Job ${namespace}/${jobName} is running); start one with \`jobctl worker\``,
    );
    this.name = 'NoWorkerError';
  }
}

/** `kubectl wait` gave up. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly namespace: string,
    readonly jobName: string,
  ) {
    super(`error: timed out waiting for the condition on jobs/${jobName}`);
    this.name = 'WaitTimeoutError';
  }
}

/** The Job reached the other terminal condition: the awaited one can never be met. */
export class ConditionUnreachableError extends Error {
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    readonly wanted: string,
    readonly actual: string,
  ) {
    super(`error: jobs/${jobName} is ${actual}: condition ${wanted} will never be met`);
    this.name = 'ConditionUnreachableError';
  }
}

export type { FieldError };
