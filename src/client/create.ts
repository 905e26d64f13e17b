// Creating a Job (starting its workflow with the Job's uid, memo and search attributes), and what
// `apply` changes on an existing one.
import { validateJobObject } from '../api/job-object';
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { withoutEnvValues } from '../api/env-redaction';
import { checkJobObjectLimits } from '../api/input-limits';
import { withControllerUid } from '../api/labels';
import type { Job } from '../api/types';
import { JOB_WORKFLOW_TYPE, jobWorkflowId, type ContinueAsNewThresholds, type JobInput, type JobMergePatch, type JobWithStatus } from '../workflows/messages';
import { JOB_LABELS, JOB_NAME, JOB_NAMESPACE, JOB_PHASE, jobPhase, labelEntries } from '../workflows/search-attributes';
import type { ClientContext } from './context';
import { AlreadyExistsError } from './errors';
import { mergePatchFor } from './merge';
import { MEMO_JOB, emptyStatus } from './stored';

/**
 * Creates the Job: starts its workflow. A Job of that name in that namespace that still exists, running
 * or finished, makes this fail with AlreadyExistsError; only a deleted Job frees its name.
 */
export interface CreateOptions {
  continueAsNew?: ContinueAsNewThresholds;
  /** The controller's state to start from (tests of a Job midway); the workflow validates it as any input. */
  state?: JobInput['state'];
  /**
   * For a server that cannot remove executions (the time-skipping test server): start even though a
   * closed execution of the Job's name is still there. The caller checks that it is a deleted Job's.
   */
  replaceClosed?: boolean;
}

export async function createJob(ctx: ClientContext, job: Job, opts: CreateOptions = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
  // Callers in JavaScript can pass anything: the manifest's limits hold for objects too.
  checkJobObjectLimits(job);
  // The workflow refuses an invalid Job too, but only once started: refused here, nothing is created.
  validateJobObject(job, job.metadata.uid);
  const withUid = withControllerUid(job, randomUUID());
  const stored: Job = { ...withUid, metadata: { ...withUid.metadata, creationTimestamp: new Date().toISOString() } };
  const input: JobInput = { job: stored, ...(opts.continueAsNew ? { continueAsNew: opts.continueAsNew } : {}), ...(opts.state ? { state: opts.state } : {}) };
  const support = await ctx.searchAttributes();
  const typedSearchAttributes: SearchAttributePair[] = support.ok
    ? [
        { key: JOB_NAME, value: job.metadata.name },
        { key: JOB_NAMESPACE, value: job.metadata.namespace },
        { key: JOB_PHASE, value: jobPhase(job.spec, emptyStatus()) },
        { key: JOB_LABELS, value: labelEntries(stored.metadata.labels) },
      ]
    : [];
  try {
    return await ctx.client.workflow.start(JOB_WORKFLOW_TYPE, {
      workflowId: jobWorkflowId(job.metadata.namespace, job.metadata.name),
      taskQueue: ctx.taskQueue,
      args: [input],
      // A finished Job still exists (as in Kubernetes) until it is deleted, which removes its execution.
      workflowIdReusePolicy: opts.replaceClosed ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      staticSummary: `Job ${job.metadata.namespace}/${job.metadata.name}`,
      // The Job as created, readable without a worker and listed with the execution; without its env
      // values, which the Web UI would show to anyone who can list workflows.
      memo: { [MEMO_JOB]: withoutEnvValues(stored) },
      ...(typedSearchAttributes.length > 0 ? { typedSearchAttributes } : {}),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new AlreadyExistsError(job.metadata.namespace, job.metadata.name);
    throw err;
  }
}

/** `kubectl apply` on an existing Job: a merge patch of the labels, annotations and spec that differ; undefined when none do. */
export function applyPatch(current: JobWithStatus, job: Job): JobMergePatch | undefined {
  const desired = current.metadata.uid ? withControllerUid(job, current.metadata.uid) : job;
  const from = { metadata: { labels: current.metadata.labels ?? {}, annotations: current.metadata.annotations ?? {} }, spec: current.spec };
  const to = { metadata: { labels: desired.metadata.labels ?? {}, annotations: desired.metadata.annotations ?? {} }, spec: desired.spec };
  return mergePatchFor(from, to) as JobMergePatch | undefined;
}
