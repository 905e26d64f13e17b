// A CronJob across a restart of its worker and of the Temporal server, between two scheduled times: the
// time that fell while everything was down runs once when the server is back, and no time runs twice.
// Real minutes (a restart is not something a backfill can stand in for): the schedule fires every
// minute, the test takes one or two of them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseObjects } from '../src/api';
import type { CronJob } from '../src/api/cronjob';
import { CronJobsClient, JobsClient } from '../src/client';
import { DEV_SERVER_EXTRA_ARGS, JOB_SEARCH_ATTRIBUTE_KEYS } from '../src/dev/embedded';
import { pickPort } from '../src/dev/ports';
import { createLocalEnv } from '../src/dev/servers';
import { quietSdkLogs } from '../src/runtime-logging';
import { createJobWorker, type JobWorker } from '../src/worker';
import { cachedWorkflowBundle } from '../src/workflow-bundle';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-cron-restart-'));
const dataDir = path.join(dir, 'data');
const ranFile = path.join(dir, 'ran');
const taskQueue = `cron-restart-${process.pid}`;

function minutelyCronJob(): CronJob {
  return parseObjects(
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: {
          metadata: { labels: { app: 'tick' } },
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `echo "$HOSTNAME" >> ${ranFile}`] }],
              },
            },
          },
        },
      },
    }),
  ).objects[0] as CronJob;
}

interface Up {
  env: TestWorkflowEnvironment;
  worker: JobWorker;
  running: Promise<void>;
}

let port = 0;
let up: Up | undefined;

async function start(): Promise<Up> {
  const env = await createLocalEnv({
    server: { ip: '127.0.0.1', port, dbFilename: path.join(dir, 'temporal.db'), searchAttributes: JOB_SEARCH_ATTRIBUTE_KEYS, extraArgs: DEV_SERVER_EXTRA_ARGS },
  });
  // Pods see the host read-only but for shared paths: the test dir is where they leave their marks.
  const worker = await createJobWorker({ connection: env.nativeConnection, taskQueue, dataDir, workflowBundle: await cachedWorkflowBundle(), sharedPaths: [dir], log: () => undefined });
  return { env, worker, running: worker.run() };
}

async function stop(u: Up): Promise<void> {
  if (u.worker.getState() === 'RUNNING') u.worker.shutdown();
  await u.running.catch(() => undefined);
  await u.env.teardown();
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  quietSdkLogs();
  port = await pickPort(0);
  up = await start();
});

after(async () => {
  if (up) await stop(up);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a CronJob across a worker and server restart', () => {
  it('runs the time that fell during the outage once, and no time twice', async () => {
    const clients = (u: Up) => {
      const jobs = new JobsClient(u.env.client, { taskQueue });
      return { jobs, cronJobs: new CronJobsClient(jobs) };
    };
    const names = async (u: Up) =>
      (await clients(u).jobs.list({ namespace: 'default', selector: 'app=tick' })).items
        .filter((i) => i.job.status.succeeded === 1)
        .map((i) => i.job.metadata.name)
        .sort();

    await clients(up!).cronJobs.create(minutelyCronJob());
    const [first] = await until('the first scheduled Job completes', () => names(up!), (n) => n.length >= 1, 150_000);
    const firstMinute = Number(first.replace('tick-', ''));

    // Down, worker and server, across the next scheduled time.
    await stop(up!);
    up = undefined;
    const nextTime = (firstMinute + 1) * 60_000;
    await sleep(Math.max(0, nextTime - Date.now()) + 3_000);
    up = await start();

    await until('the missed time runs', () => names(up!), (n) => n.includes(`tick-${firstMinute + 1}`), 150_000);
    // No more times from here on; a Job already started finishes, and then every Job is counted.
    await clients(up!).cronJobs.patch('default', 'tick', { spec: { suspend: true } });
    const listed = async (u: Up) => (await clients(u).jobs.list({ namespace: 'default', selector: 'app=tick' })).items;
    await until('no Job of the CronJob still runs', () => listed(up!), (items) => items.every((i) => i.job.status.succeeded === 1), 60_000);
    const after = await names(up!);
    await clients(up!).cronJobs.delete('default', 'tick');
    // Every Job is a distinct minute from the first on, with none skipped, and each ran its pod once.
    const minutes = after.map((n) => Number(n.replace('tick-', '')));
    assert.deepEqual(minutes, minutes.map((_, i) => firstMinute + i), `Jobs: ${after.join(' ')}`);
    const ran = fs.readFileSync(ranFile, 'utf8').trim().split('\n');
    assert.equal(ran.length, after.length, `pods that ran: ${ran.join(' ')}; Jobs: ${after.join(' ')}`);
    assert.equal(new Set(ran).size, ran.length, 'no pod ran twice');
  });
});
