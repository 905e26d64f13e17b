// One scheduled time of a CronJob: started by the CronJob's Temporal Schedule, it creates the Job
// (`<cronjob>-<minutes>`, as Kubernetes names it) as an abandoned child `job` workflow, waits for it to
// finish, and then trims the CronJob's finished Jobs to the history limits. Waiting is what lets the
// Schedule's overlap policy stand for concurrencyPolicy: a run is "running" exactly while its Job is.
// Cancelled (Replace), it deletes its Job first: pods stopped with their grace period, execution removed.
import {
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  isCancellation,
  patched,
  proxyActivities,
  startChild,
  upsertMemo,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import { withoutEnvValues } from '../api/env-redaction';
import { withControllerUid } from '../api/labels';
import { cronJobEvents, rfc1123z, type CronJobEvent } from '../cronjob/events';
import type { FinishedJob } from '../cronjob/history';
import { cronJobJobName, scheduledTimeOfRun } from '../cronjob/ids';
import { jobForSchedule, rfc3339 } from '../cronjob/job-for-schedule';
import { missedDeadline } from '../cronjob/schedule-spec';
import { MANY_MISSED, dueTime, heldBackByForbid } from '../cronjob/catch-up';
import { MEMO_CRONJOB_RUN, type CronJobRunInput, type CronJobRunMemo, type CronJobRunResult } from './cronjob-messages';
import { JOB_REMOVAL_WORKFLOW_TYPE, JOB_WORKFLOW_TYPE, jobRemovalWorkflowId, jobWorkflowId, type JobInput, type JobRemovalInput, type JobResult } from './messages';
import { failedJobResult } from './job-ending';
import { JOB_LABELS, JOB_NAME, JOB_NAMESPACE, JOB_PHASE, jobPhase, labelEntries } from './search-attributes';

export interface CronJobHistoryInput {
  namespace: string;
  cronJob: string;
  cronJobUid: string;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  /** The Job this run just saw finish: visibility may not list it as closed yet. */
  justFinished?: FinishedJob & { runId: string };
}

interface CronJobActivities {
  trimCronJobHistory(input: CronJobHistoryInput): Promise<string[]>;
}

const { trimCronJobHistory } = proxyActivities<CronJobActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** The Job's memo key (src/client/stored.ts MEMO_JOB): the Job as created, readable without a worker. */
const MEMO_JOB = 'job';

export async function cronJobRun(input: CronJobRunInput): Promise<CronJobRunResult> {
  const { cronJob } = input;
  const info = workflowInfo();
  const events: CronJobEvent[] = [];
  const memo: CronJobRunMemo = { events };
  const publish = () => upsertMemo({ [MEMO_CRONJOB_RUN]: memo });
  const emit = (e: Omit<CronJobEvent, 'at'>) => {
    events.push({ ...e, at: new Date(Date.now()).toISOString() });
    publish();
  };
  // Temporal names each run `<base>-<scheduled time>`; a run started some other way uses its start time.
  const nominalMs = scheduledTimeOfRun(info.workflowId) ?? info.startTime.getTime();
  // A late run (a catch-up, a Forbid run held back) stands for the most recent time that has come.
  const due = dueTime(cronJob, nominalMs, Date.now());
  // Kubernetes says so at the scheduled time it skipped; BUFFER_ONE lets us know only once the run starts.
  if (heldBackByForbid(cronJob, nominalMs, info.startTime.getTime()) && patched('cronjob-already-active')) {
    events.push({ ...cronJobEvents.alreadyActive(), at: rfc3339(nominalMs) });
  }
  const scheduledMs = due.time;
  if (due.missed > MANY_MISSED) emit(cronJobEvents.tooManyMissed(due.missed));
  if (missedDeadline(cronJob, scheduledMs, Date.now())) {
    emit(cronJobEvents.missSchedule(rfc1123z(scheduledMs)));
    return { outcome: 'Skipped', events };
  }

  const name = cronJobJobName(cronJob.metadata.name, scheduledMs);
  const { namespace } = cronJob.metadata;
  const job = withControllerUid(jobForSchedule(cronJob, scheduledMs, name), uuid4());
  job.metadata.creationTimestamp = new Date(Date.now()).toISOString();
  const jobInput: JobInput = { job };
  const typedSearchAttributes: SearchAttributePair[] = input.searchAttributes
    ? [
        { key: JOB_NAME, value: name },
        { key: JOB_NAMESPACE, value: namespace },
        { key: JOB_PHASE, value: jobPhase(job.spec, { conditions: [] }) },
        { key: JOB_LABELS, value: labelEntries(job.metadata.labels) },
      ]
    : [];
  let child;
  try {
    child = await startChild(JOB_WORKFLOW_TYPE, {
      workflowId: jobWorkflowId(namespace, name),
      args: [jobInput],
      // The Job outlives this run if the run is terminated; a cancelled run deletes it (see below).
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Job ${namespace}/${name} (CronJob ${cronJob.metadata.name})`,
      // Without env values (src/client/create.ts). Replay compares a child's id and type, not its memo.
      memo: { [MEMO_JOB]: withoutEnvValues(job) },
      ...(typedSearchAttributes.length > 0 ? { typedSearchAttributes } : {}),
    });
  } catch (err) {
    // A Job of that name exists (a second start in the same minute): Kubernetes leaves it be.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { job: name, events };
    throw err;
  }
  memo.job = name;
  memo.scheduledTime = rfc3339(scheduledMs);
  emit(cronJobEvents.created(name));

  let result: JobResult;
  try {
    result = (await child.result()) as JobResult;
  } catch (err) {
    memo.jobEnded = true;
    // A Failed Job fails its workflow and carries its final state in the failure.
    const failed = failedJobResult(err);
    if (failed) return seenCompleted(input, name, failed, job.metadata.creationTimestamp, child.firstExecutionRunId, memo, emit, events);
    if (isCancellation(err) || (err instanceof ChildWorkflowFailure && isCancellation(err.cause))) {
      // Replace: the Schedule cancelled this run to start the next one. The Job's workflow has stopped its
      // pods (it was cancelled with us); remove its execution so the Job is gone, as Kubernetes deletes it.
      await CancellationScope.nonCancellable(async () => {
        const removal: JobRemovalInput = { workflowId: child.workflowId, runId: child.firstExecutionRunId, removeAt: Date.now() };
        await startChild(JOB_REMOVAL_WORKFLOW_TYPE, {
          workflowId: jobRemovalWorkflowId(child.workflowId, child.firstExecutionRunId),
          args: [removal],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        emit(cronJobEvents.deleted(name));
      });
      throw err;
    }
    // The Job's workflow ended without a result (terminated, failed): it counts as a failed Job.
    emit(cronJobEvents.sawCompleted(name, 'Failed'));
    await trim(input, { name, outcome: 'Failed', startTime: Date.parse(job.metadata.creationTimestamp), runId: child.firstExecutionRunId }, emit);
    return { job: name, outcome: 'Failed', events };
  }
  memo.jobEnded = true;
  if (result.deleted) {
    emit(cronJobEvents.missing(name));
    return { job: name, outcome: 'Missing', events };
  }
  return seenCompleted(input, name, result, job.metadata.creationTimestamp, child.firstExecutionRunId, memo, emit, events);
}

/** SawCompletedJob, lastSuccessfulTime and the history limits, for a Job that ended Complete or Failed. */
async function seenCompleted(
  input: CronJobRunInput,
  name: string,
  result: JobResult,
  createdAt: string,
  runId: string,
  memo: CronJobRunMemo,
  emit: (e: Omit<CronJobEvent, 'at'>) => void,
  events: CronJobEvent[],
): Promise<CronJobRunResult> {
  const complete = result.job.status.conditions.some((c) => c.type === 'Complete' && c.status === 'True');
  const outcome = complete ? 'Complete' : 'Failed';
  // status.lastSuccessfulTime outlives the Job itself (history limits may delete it): kept with the run.
  if (complete && result.job.status.completionTime) memo.completionTime = result.job.status.completionTime;
  emit(cronJobEvents.sawCompleted(name, outcome));
  const started = result.job.status.startTime ?? createdAt;
  await trim(input, { name, outcome, startTime: Date.parse(started), runId }, emit);
  return { job: name, outcome, events };
}

async function trim(input: CronJobRunInput, justFinished: FinishedJob & { runId: string }, emit: (e: Omit<CronJobEvent, 'at'>) => void): Promise<void> {
  const { cronJob } = input;
  const deleted = await trimCronJobHistory({
    namespace: cronJob.metadata.namespace,
    cronJob: cronJob.metadata.name,
    cronJobUid: cronJob.metadata.uid ?? '',
    successfulJobsHistoryLimit: cronJob.spec.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: cronJob.spec.failedJobsHistoryLimit,
    justFinished,
  });
  for (const name of deleted) emit(cronJobEvents.deleted(name));
}
