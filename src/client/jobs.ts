// The typed client for Jobs: submit a Job and follow it. Temporal is the API server.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { withControllerUid } from '../api';
import type { Job, JobStatus } from '../api/types';
import type { JobEvent } from '../controller/state';
import {
  JOB_WORKFLOW_TYPE,
  eventsQuery,
  jobWorkflowId,
  podsQuery,
  statusQuery,
  type JobInput,
  type JobResult,
  type PodsPage,
} from '../workflows/messages';
import { DEFAULT_TASK_QUEUE } from '../worker';

export class AlreadyExistsError extends Error {
  constructor(readonly namespace: string, readonly jobName: string) {
    super(`Error from server (AlreadyExists): jobs "${jobName}" already exists`);
    this.name = 'AlreadyExistsError';
  }
}

export interface JobsClientOptions {
  taskQueue?: string;
}

export class JobsClient {
  readonly taskQueue: string;
  constructor(readonly client: Client, opts: JobsClientOptions = {}) {
    this.taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  /** Starts the Job's workflow. A finished Job of the same name is replaced; a running one is not. */
  async create(job: Job): Promise<WorkflowHandle> {
    const withUid = withControllerUid(job, randomUUID());
    const input: JobInput = { job: { ...withUid, metadata: { ...withUid.metadata, creationTimestamp: new Date().toISOString() } } };
    try {
      return await this.client.workflow.start(JOB_WORKFLOW_TYPE, {
        workflowId: jobWorkflowId(job.metadata.namespace, job.metadata.name),
        taskQueue: this.taskQueue,
        args: [input],
        staticSummary: `Job ${job.metadata.namespace}/${job.metadata.name}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new AlreadyExistsError(job.metadata.namespace, job.metadata.name);
      throw err;
    }
  }

  handle(namespace: string, name: string): WorkflowHandle {
    return this.client.workflow.getHandle(jobWorkflowId(namespace, name));
  }

  status(namespace: string, name: string): Promise<JobStatus> {
    return this.handle(namespace, name).query(statusQuery);
  }

  events(namespace: string, name: string): Promise<JobEvent[]> {
    return this.handle(namespace, name).query(eventsQuery);
  }

  pods(namespace: string, name: string, offset = 0, limit = 100): Promise<PodsPage> {
    return this.handle(namespace, name).query(podsQuery, { offset, limit });
  }

  /** The final Job, its recent pods and events; needs no worker once the Job has ended. */
  result(namespace: string, name: string): Promise<JobResult> {
    return this.handle(namespace, name).result() as Promise<JobResult>;
  }
}
