// Reading a Job's conditions: whether it has finished, and which phase it is in. One home for these
// rules, so that the controller, the workflow's search attributes, the client, the CLI and the testing
// API cannot disagree about what "finished" means.
import type { JobCondition, JobConditionType, JobSpec, JobStatus } from './types';

/** A condition that ends a Job (JOB-SEMANTICS 2.2): Complete or Failed, True. */
export type FinishedCondition = JobCondition & { type: 'Complete' | 'Failed' };

/** The condition of that type when it is True (kubectl's hasJobCondition: the first of the type decides). */
export function trueCondition(status: Pick<JobStatus, 'conditions'>, type: JobConditionType): JobCondition | undefined {
  const c = status.conditions.find((x) => x.type === type);
  return c?.status === 'True' ? c : undefined;
}

/** The condition that ended the Job, or undefined while it has not finished. */
export function finishedCondition(status: Pick<JobStatus, 'conditions'>): FinishedCondition | undefined {
  return (trueCondition(status, 'Complete') ?? trueCondition(status, 'Failed')) as FinishedCondition | undefined;
}

export function isJobFinished(status: Pick<JobStatus, 'conditions'>): boolean {
  return finishedCondition(status) !== undefined;
}

/** Running, Suspended, Complete or Failed: the JobPhase search attribute and the Web UI's status line. */
export type JobPhase = 'Running' | 'Suspended' | 'Complete' | 'Failed';

export function jobPhase(spec: Pick<JobSpec, 'suspend'>, status: Pick<JobStatus, 'conditions'>): JobPhase {
  return finishedCondition(status)?.type ?? (spec.suspend ? 'Suspended' : 'Running');
}
