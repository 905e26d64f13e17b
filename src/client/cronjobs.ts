// The typed client for CronJobs: one Temporal Schedule per CronJob (`cronjob/<namespace>/<name>`), whose
// action starts the `cronJobRun` workflow with the CronJob itself as its argument; each run creates the
// Job for its scheduled time. The Schedule is the durable store: the CronJob lives in its action, its
// status is read from the Schedule's running and recent actions, its Jobs are ordinary Jobs.
import { randomUUID } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { mergePatch } from '../api/update';
import { parseCronJob } from '../api/manifest';
import { cronJobToManifest } from '../api/cronjob-validation';
import type { CronJob, CronJobStatus, ObjectReference } from '../api/cronjob';
import type { Job } from '../api/types';
import { parseSelector, selectorMatchesLabels, type SelectorRequirement } from '../api/label-selector';
import {
  cronJobRunWorkflowIdBase,
  cronJobScheduleId,
  jobFromCronJob,
  ownedBy,
  parseCronJobScheduleId,
  scheduleShape,
  type CronJobEvent,
} from '../cronjob';
import { CRONJOB_RUN_WORKFLOW_TYPE, MEMO_CRONJOB_RUN, type CronJobRunInput, type CronJobRunMemo } from '../workflows/cronjob-messages';
import type { JobMergePatch } from '../workflows/messages';
import { AlreadyExistsError, NotFoundError } from './errors';
import { jsonEqual } from './merge';
import type { JobInfo, JobsClient, ListOptions, ListResult } from './jobs';

export type CronJobWithStatus = CronJob & { status: CronJobStatus };

export interface CronJobInfo {
  cronJob: CronJobWithStatus;
  /** The next times the Schedule will fire (none while suspended). */
  nextScheduleTimes: Date[];
}

export interface CronJobDetails extends CronJobInfo {
  /** The CronJob's Jobs that still exist, oldest first. */
  jobs: JobInfo[];
  /** A Job as the jobTemplate makes it (typed and defaulted), for showing the pod template. */
  templateJob: Job;
  /** Events of its recent runs, oldest first. */
  events: CronJobEvent[];
}

/** The memo carries what never changes; the CronJob itself is in the action's args (which `update` can change). */
const MEMO_CRONJOB = 'cronJob';

function isNotFound(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number } } | undefined;
  return err instanceof ScheduleNotFoundError || e?.code === 5 || e?.cause?.code === 5;
}

function isCronJob(v: unknown): v is CronJob {
  const c = v as Partial<CronJob> | undefined;
  return typeof c === 'object' && c !== null && c.kind === 'CronJob' && typeof c.metadata?.name === 'string' && typeof c.spec === 'object';
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export class CronJobsClient {
  readonly client: Client;

  constructor(readonly jobs: JobsClient) {
    this.client = jobs.client;
  }

  private handle(namespace: string, name: string): ScheduleHandle {
    return this.client.schedule.getHandle(cronJobScheduleId(namespace, name));
  }

  private async options(cronJob: CronJob): Promise<Omit<ScheduleOptions, 'scheduleId'>> {
    const shape = scheduleShape(cronJob);
    const support = await this.jobs.searchAttributes();
    const input: CronJobRunInput = { cronJob, searchAttributes: support.ok };
    const { namespace, name } = cronJob.metadata;
    return {
      spec: { cronExpressions: shape.cronExpressions, ...(shape.timezone !== undefined ? { timezone: shape.timezone } : {}) },
      action: {
        type: 'startWorkflow',
        workflowType: CRONJOB_RUN_WORKFLOW_TYPE,
        workflowId: cronJobRunWorkflowIdBase(namespace, name),
        taskQueue: this.jobs.taskQueue,
        args: [input],
        staticSummary: `CronJob ${namespace}/${name}`,
      },
      policies: { overlap: shape.overlap, catchupWindow: shape.catchupWindowMs },
      state: { paused: shape.paused, ...(shape.note ? { note: shape.note } : {}) },
    };
  }

  // ---- create / apply ------------------------------------------------------------------------------

  /** Creates the CronJob's Schedule; AlreadyExistsError if a CronJob of that name exists in the namespace. */
  async create(cronJob: CronJob): Promise<CronJob> {
    const stored: CronJob = { ...cronJob, metadata: { ...cronJob.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() } };
    const { namespace, name } = stored.metadata;
    try {
      const options: ScheduleOptions = {
        scheduleId: cronJobScheduleId(namespace, name),
        ...(await this.options(stored)),
        memo: { [MEMO_CRONJOB]: { uid: stored.metadata.uid, creationTimestamp: stored.metadata.creationTimestamp } },
      };
      // The workflow type given, not inferred: inferring it through the SDK's option types cost tsc ~5 s.
      await this.client.schedule.create<Workflow>(options);
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) throw new AlreadyExistsError(namespace, name, 'cronjobs');
      throw err;
    }
    return stored;
  }

  /** `kubectl apply`: creates the CronJob, or replaces its spec, labels and annotations where they differ. */
  async apply(cronJob: CronJob): Promise<'created' | 'configured' | 'unchanged'> {
    let current: CronJob;
    try {
      current = await this.stored(cronJob.metadata.namespace, cronJob.metadata.name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await this.create(cronJob);
      return 'created';
    }
    const next: CronJob = { ...cronJob, metadata: { ...cronJob.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } };
    if (jsonEqual(cronJobToManifest(current), cronJobToManifest(next))) return 'unchanged';
    await this.replace(current, next);
    return 'configured';
  }

  private async replace(current: CronJob, next: CronJob): Promise<void> {
    const opts = await this.options(next);
    const handle = this.handle(next.metadata.namespace, next.metadata.name);
    await handle.update<Workflow>((prev: ScheduleDescription): ScheduleUpdateOptions => ({ ...prev, ...opts, state: { ...prev.state, ...opts.state } }));
    // Suspend and resume as the Schedule's own pause, so the Web UI shows it and no missed time runs on resume.
    if (current.spec.suspend !== next.spec.suspend) {
      if (next.spec.suspend) await handle.pause('CronJob suspended (spec.suspend: true)');
      else await handle.unpause('CronJob resumed');
    }
  }

  // ---- read ----------------------------------------------------------------------------------------

  private async describeSchedule(namespace: string, name: string): Promise<ScheduleDescription> {
    try {
      return await this.handle(namespace, name).describe();
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(namespace, name, 'cronjobs');
      throw err;
    }
  }

  /** The CronJob as its Schedule carries it; its status is filled in from its runs (see `runs`). */
  private fromDescription(d: ScheduleDescription): CronJobInfo {
    const args = d.action.type === 'startWorkflow' ? (d.action.args as unknown[] | undefined) : undefined;
    const input = args?.[0] as Partial<CronJobRunInput> | undefined;
    if (!isCronJob(input?.cronJob)) throw new Error(`schedule ${d.scheduleId} does not carry a CronJob`);
    const cronJob = input.cronJob;
    // The Schedule's own pause is the truth for suspend (someone may have paused it in the Web UI).
    const spec = { ...cronJob.spec, suspend: d.state.paused };
    return { cronJob: { ...cronJob, spec, status: {} }, nextScheduleTimes: d.state.paused ? [] : d.info.nextActionTimes };
  }

  private async withStatus(info: CronJobInfo): Promise<CronJobInfo & { events: CronJobEvent[] }> {
    const { namespace, name } = info.cronJob.metadata;
    const runs = await this.runs(namespace, name);
    const active: ObjectReference[] = runs.active.map((job) => ({ apiVersion: 'batch/v1', kind: 'Job', name: job, namespace }));
    const status: CronJobStatus = {
      ...(active.length > 0 ? { active } : {}),
      ...(runs.lastScheduleTime ? { lastScheduleTime: runs.lastScheduleTime } : {}),
      ...(runs.lastSuccessfulTime ? { lastSuccessfulTime: runs.lastSuccessfulTime } : {}),
    };
    return { ...info, cronJob: { ...info.cronJob, status }, events: runs.events };
  }

  private async stored(namespace: string, name: string): Promise<CronJob> {
    const { status: _s, ...cronJob } = this.fromDescription(await this.describeSchedule(namespace, name)).cronJob;
    return cronJob;
  }

  /** The CronJob with its status (`kubectl get cronjob NAME`): active Jobs and times come from its runs. */
  async get(namespace: string, name: string): Promise<CronJobInfo> {
    const { events: _e, ...info } = await this.withStatus(this.fromDescription(await this.describeSchedule(namespace, name)));
    return info;
  }

  /** The CronJob, its Jobs and its recent events (`kubectl describe cronjob NAME`). */
  async describe(namespace: string, name: string): Promise<CronJobDetails> {
    const info = this.fromDescription(await this.describeSchedule(namespace, name));
    const [jobs, withStatus] = await Promise.all([this.ownedJobs(info.cronJob), this.withStatus(info)]);
    return { ...withStatus, jobs, templateJob: jobFromCronJob(info.cronJob, `${name}-0`) };
  }

  /** CronJobs of a namespace (or all), selected by their own labels, sorted by namespace and name. */
  async list(opts: ListOptions = {}): Promise<ListResult<CronJobInfo>> {
    const selector: readonly SelectorRequirement[] = typeof opts.selector === 'string' ? parseSelector(opts.selector) : (opts.selector ?? []);
    const refs: Array<{ namespace: string; name: string }> = [];
    for await (const s of this.client.schedule.list()) {
      const ref = parseCronJobScheduleId(s.scheduleId);
      if (ref && (opts.namespace === undefined || ref.namespace === opts.namespace)) refs.push(ref);
    }
    const infos = await mapLimit(refs, 8, async (r) => {
      try {
        return await this.get(r.namespace, r.name);
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    });
    const items = infos.filter((i): i is CronJobInfo => i !== undefined && selectorMatchesLabels(selector, i.cronJob.metadata.labels));
    items.sort((a, b) => a.cronJob.metadata.namespace.localeCompare(b.cronJob.metadata.namespace) || a.cronJob.metadata.name.localeCompare(b.cronJob.metadata.name));
    return { items, warnings: [] };
  }

  /** The CronJob's Jobs that exist (scheduled or made with `create job --from`), oldest first. */
  async ownedJobs(cronJob: CronJob): Promise<JobInfo[]> {
    const res = await this.jobs.list({ namespace: cronJob.metadata.namespace });
    return res.items
      .filter((i) => ownedBy(i.job, cronJob))
      .sort((a, b) => (a.job.metadata.creationTimestamp ?? '').localeCompare(b.job.metadata.creationTimestamp ?? ''));
  }

  /**
   * What the CronJob's runs keep in their memos: the events, the Jobs still being waited for (`active`),
   * the latest scheduled time a Job was created for and the latest completion of one.
   */
  private async runs(namespace: string, name: string): Promise<{ events: CronJobEvent[]; active: string[]; lastScheduleTime?: string; lastSuccessfulTime?: string }> {
    const prefix = `${cronJobRunWorkflowIdBase(namespace, name)}-`;
    const query = `WorkflowType = '${CRONJOB_RUN_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${prefix.replace(/'/g, "\\'")}'`;
    const events: CronJobEvent[] = [];
    const active = new Set<string>();
    let scheduled: string | undefined;
    let succeeded: string | undefined;
    const later = (a: string | undefined, b: string | undefined) => (b !== undefined && (a === undefined || b > a) ? b : a);
    for await (const wf of this.client.workflow.list({ query, pageSize: 100 })) {
      const memo = wf.memo?.[MEMO_CRONJOB_RUN] as Partial<CronJobRunMemo> | undefined;
      if (!memo) continue;
      if (Array.isArray(memo.events)) events.push(...memo.events);
      if (wf.status.name === 'RUNNING' && memo.job && !memo.jobEnded) active.add(memo.job);
      scheduled = later(scheduled, memo.scheduledTime);
      succeeded = later(succeeded, memo.completionTime);
    }
    return {
      events: events.sort((a, b) => a.at.localeCompare(b.at)),
      active: [...active].sort(),
      ...(scheduled ? { lastScheduleTime: scheduled } : {}),
      ...(succeeded ? { lastSuccessfulTime: succeeded } : {}),
    };
  }

  // ---- changes -------------------------------------------------------------------------------------

  /** `kubectl patch cronjob NAME --type=merge -p PATCH`: the patched CronJob is validated as on create. */
  async patch(namespace: string, name: string, patch: JobMergePatch): Promise<CronJob> {
    const current = await this.stored(namespace, name);
    const merged = mergePatch(cronJobToManifest(current), patch) as Record<string, unknown>;
    const parsed = parseCronJob({ ...merged, apiVersion: 'batch/v1', kind: 'CronJob', metadata: { ...(merged.metadata as object), name, namespace } });
    const next: CronJob = { ...parsed, metadata: { ...parsed.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } };
    if (!jsonEqual(cronJobToManifest(current), cronJobToManifest(next))) await this.replace(current, next);
    return next;
  }

  suspend(namespace: string, name: string): Promise<CronJob> {
    return this.patch(namespace, name, { spec: { suspend: true } });
  }

  resume(namespace: string, name: string): Promise<CronJob> {
    return this.patch(namespace, name, { spec: { suspend: false } });
  }

  /**
   * Runs the CronJob now, as a scheduled time would (its concurrencyPolicy applies). The Job is named
   * after the current minute, so a second trigger in the same minute finds that Job and creates none.
   */
  async trigger(namespace: string, name: string): Promise<void> {
    const cronJob = await this.stored(namespace, name);
    await this.handle(namespace, name).trigger(scheduleShape(cronJob).overlap);
  }

  /** Runs the scheduled times in [start, end] as if they had just come (Temporal's backfill). */
  async backfill(namespace: string, name: string, start: Date, end: Date): Promise<void> {
    const cronJob = await this.stored(namespace, name);
    await this.handle(namespace, name).backfill({ start, end, overlap: scheduleShape(cronJob).overlap });
  }

  /** `kubectl create job NAME --from=cronjob/X`: a Job from the template, now, outside the schedule. */
  async createJobFrom(namespace: string, cronJobName: string, jobName: string): Promise<Job> {
    const cronJob = await this.stored(namespace, cronJobName);
    const job = jobFromCronJob(cronJob, jobName);
    await this.jobs.create(job);
    return job;
  }

  /**
   * Deletes the CronJob: its Schedule first (nothing new starts), then, as kubectl's default cascade, its
   * Jobs (their pods stopped first). Runs still waiting on a Job end once their Job is gone.
   */
  async delete(namespace: string, name: string, opts: { wait?: boolean } = {}): Promise<void> {
    const description = await this.describeSchedule(namespace, name);
    const { cronJob } = this.fromDescription(description);
    try {
      await this.handle(namespace, name).delete();
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(namespace, name, 'cronjobs');
      throw err;
    }
    // A run that has not created its Job yet must not create it after the cascade: stop the runs first
    // (a Job already created outlives its run and goes with the others below).
    await Promise.all(
      description.info.runningActions.map((a) =>
        this.client.workflow
          .getHandle(a.workflow.workflowId, a.workflow.firstExecutionRunId)
          .terminate('CronJob deleted')
          .catch((err: unknown) => {
            if (!isNotFound(err) && !/already completed/i.test((err as Error)?.message ?? '')) throw err;
          }),
      ),
    );
    const jobs = await this.ownedJobs(cronJob);
    await Promise.all(
      jobs.map((j) =>
        this.jobs.delete(namespace, j.job.metadata.name, { wait: opts.wait }).catch((err: unknown) => {
          if (!(err instanceof NotFoundError)) throw err;
        }),
      ),
    );
  }
}

