// `durable-jobs/testing`: run a Job manifest with real local pods in virtual time.
//
//   const env = await JobTestEnvironment.create();
//   const run = await env.run(fs.readFileSync('job.yaml', 'utf8'));
//   assert.equal(run.status.succeeded, 1);
//   await env.teardown();
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { parseManifests } from '../api';
import type { Job, JobStatus } from '../api/types';
import { JobsClient } from '../client/jobs';
import type { JobEvent, PodRecord } from '../controller/state';
import { createTimeSkippingEnv } from '../dev/servers';
import { createJobWorker, workflowsPath } from '../worker';
import { quietSdkLogs } from '../runtime-logging';
import type { JobResult } from '../workflows/messages';

export interface JobRun {
  job: Job;
  status: JobStatus;
  /** The Job's recent pods, oldest first, with exit codes, reasons, times and log tails. */
  pods: PodRecord[];
  events: JobEvent[];
  /** The condition that ended the Job (Complete or Failed). */
  outcome: { type: string; reason: string; message: string } | undefined;
}

export interface JobTestEnvironmentOptions {
  /** Where pods keep logs and emptyDir volumes; a fresh temp dir by default. */
  dataDir?: string;
  log?: (message: string) => void;
}

export class JobTestEnvironment {
  private constructor(
    readonly env: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundleWithSourceMap,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly log?: (message: string) => void,
  ) {}

  /** Starts a time-skipping test server (obtained as `jobctl setup` does) and bundles the workflows once. */
  static async create(opts: JobTestEnvironmentOptions = {}): Promise<JobTestEnvironment> {
    quietSdkLogs();
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-test-'));
    const [env, bundle] = await Promise.all([
      createTimeSkippingEnv({ log: opts.log }),
      bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger }),
    ]);
    return new JobTestEnvironment(env, bundle, dataDir, opts.dataDir === undefined, opts.log);
  }

  get jobs(): JobsClient {
    return new JobsClient(this.env.client, { taskQueue: this.taskQueue });
  }

  private get taskQueue(): string {
    return `durable-jobs-test-${process.pid}`;
  }

  /** Runs a Job (a manifest's text or a parsed Job) to its end, skipping time while it waits. */
  async run(manifest: string | Job): Promise<JobRun> {
    const job = typeof manifest === 'string' ? single(parseManifests(manifest, 'manifest')) : manifest;
    const worker = await createJobWorker({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      dataDir: this.dataDir,
      workflowBundle: this.bundle,
      log: this.log ?? (() => undefined),
    });
    const jobs = this.jobs;
    const result: JobResult = await worker.runUntil(async () => {
      await jobs.create(job);
      return jobs.result(job.metadata.namespace, job.metadata.name);
    });
    return toRun(result);
  }

  async teardown(): Promise<void> {
    await this.env.teardown();
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function single(jobs: Job[]): Job {
  if (jobs.length !== 1) throw new Error(`expected exactly one Job in the manifest, found ${jobs.length}`);
  return jobs[0];
}

export function toRun(result: JobResult): JobRun {
  const outcome = result.job.status.conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return {
    job: result.job,
    status: result.job.status,
    pods: result.pods,
    events: result.events,
    outcome: outcome && { type: outcome.type, reason: outcome.reason, message: outcome.message },
  };
}

const quietLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
  log: () => undefined,
};
