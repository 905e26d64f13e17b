// How a Job's workflow ends. A Job that ends Failed fails its workflow, so that the Web UI shows it red and
// its status filter finds it: an ApplicationFailure whose type is the Kubernetes reason and whose details
// hold the final Job, exactly what a Complete Job returns. Whoever reads a Job's end (client, CronJob
// runs, their history trimming) reads it from either ending through `jobResultOf`.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { finishedCondition } from '../api/conditions';
import type { JobResult } from './messages';

/** The failure a Failed Job's workflow ends with; undefined when the Job did not fail. */
export function jobFailure(result: JobResult): ApplicationFailure | undefined {
  const end = finishedCondition(result.job.status);
  if (end?.type !== 'Failed' || result.deleted) return undefined;
  return ApplicationFailure.create({
    type: end.reason ?? 'Failed',
    message: end.message ?? `Job ${result.job.metadata.name} failed`,
    nonRetryable: true,
    details: [result],
    // A Failed Job is an outcome the Job's spec allows for, not a fault of the worker (logged at DEBUG).
    category: ApplicationFailureCategory.BENIGN,
  });
}

/**
 * The final Job carried by a failed Job workflow's failure, found through the error's causes (the
 * client's WorkflowFailedError, a parent's ChildWorkflowFailure); undefined for any other error.
 */
export function failedJobResult(err: unknown): JobResult | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ApplicationFailure) return isJobResult(e.details?.[0]) ? e.details[0] : undefined;
  }
  return undefined;
}

/** A Job workflow's result whichever way it ended: returned (Complete, deleted) or failed (Failed). */
export async function jobResultOf(result: Promise<unknown>): Promise<JobResult> {
  try {
    return (await result) as JobResult;
  } catch (err) {
    const failed = failedJobResult(err);
    if (failed) return failed;
    throw err;
  }
}

function isJobResult(v: unknown): v is JobResult {
  const r = v as Partial<JobResult> | undefined;
  return typeof r === 'object' && r !== null && typeof r.job === 'object' && r.job !== null && Array.isArray(r.pods) && Array.isArray(r.events);
}
