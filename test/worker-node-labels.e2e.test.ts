// `jobctl worker --node-labels`: a Job whose nodeSelector only that worker's labels satisfy runs there,
// on a labelled task queue; when the worker is SIGKILLed, no process of the pod survives it. Real dev
// server, real worker process, real pod processes (found in /proc by a unique argument).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { JobsClient } from '../src/client/jobs';
import { createLocalEnv } from '../src/dev/servers';
import { makeJob, shellContainer } from './helpers/jobs';
import { freePort, killAll, processesWith } from './helpers/procs';
import { until } from './helpers/runs';
import { runJobctlUsageError } from './helpers/jobctl';

const ROOT = path.resolve(__dirname, '..', '..');
const JOBCTL = path.join(ROOT, 'bin', 'jobctl.js');

function workerArgv(args: string[]): string[] {
  return [JOBCTL, 'worker', ...args];
}

describe('jobctl worker option errors', () => {
  for (const [args, message] of [
    [['--node-labels', 'a=1,b=2,c=3,d=4,e=5,f=6,g=7'], /at most 6 node labels/],
    [['--node-labels', 'disk'], /"disk" is not of the form key=value/],
    [['--isolation', 'vm'], /Allowed choices are auto, sandbox, process-group/],
    [['--max-concurrent-pods', '0'], /must be a positive integer/],
  ] as const) {
    it(`refuses ${args.join(' ')} before connecting`, async () => {
      const r = await runJobctlUsageError(['worker', ...args]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /cannot connect/);
    });
  }
});

describe('a SIGKILLed jobctl worker with node labels (real dev server)', { timeout: 120_000 }, () => {
  let env: TestWorkflowEnvironment;
  let child: ChildProcess | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-node-labels-'));
  const token = `1000.${process.pid}${Date.now() % 100000}`;
  before(async () => {
    env = await createLocalEnv();
  });
  after(async () => {
    child?.kill('SIGKILL');
    killAll(token);
    await env?.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs the selected pod on its labelled queue and takes every pod process with it', async () => {
    const taskQueue = `labels-${process.pid}`;
    let stderr = '';
    const metrics = `127.0.0.1:${await freePort()}`;
    child = spawn(
      process.execPath,
      workerArgv(['--task-queue', taskQueue, '--node-labels', 'disk=ssd,zone=a', '--max-concurrent-pods', '2', '--data-dir', path.join(home, 'w1'), '--metrics-address', metrics]),
      { env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    // The banner's last line: the lines come one write at a time, and a loaded machine may pause between them.
    await until('the worker to say what it polls', () => (/max concurrent pods:/.test(stderr) ? true : undefined), 60_000);
    assert.match(stderr, new RegExp(`task queues: "${taskQueue}", "${taskQueue}@disk=ssd", "${taskQueue}@zone=a", "${taskQueue}@disk=ssd,zone=a"`));
    assert.match(stderr, /isolation: (sandbox|process-group)/);
    assert.match(stderr, /max concurrent pods: 2/);
    assert.ok(stderr.includes(`Prometheus metrics: http://${metrics}/metrics`));

    // A child of its own in the background, as a real container's process tree would have.
    const job = makeJob('labelled', { backoffLimit: 0 }, [shellContainer(`sleep ${token} & sleep ${token} & wait`)]);
    job.spec.template.spec.nodeSelector = { disk: 'ssd' };
    const jobs = new JobsClient(env.client, { taskQueue });
    await jobs.create(job);
    await until('the pod to run', () => (processesWith(token).length >= 2 ? true : undefined), 60_000);
    // Workers announce pod starts in batches (within a second): the Job learns of it a little later.
    const pod = await until('the Job to see it running', async () => {
      const p = (await jobs.pods('default', 'labelled')).items[0];
      return p?.phase === 'Running' ? p : undefined;
    }, 30_000);
    assert.equal(pod.phase, 'Running');
    const described = await env.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: `${taskQueue}@disk=ssd` },
      taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
    });
    assert.ok((described.pollers ?? []).length > 0, 'the labelled queue has the worker as its poller');
    // The worker says so (info, its default level) and its endpoint counts the pod as running, against its cap.
    assert.match(stderr, new RegExp(`pod ${pod.name} started \\(job default/labelled\\)`));
    const scraped = await (await fetch(`http://${metrics}/metrics`)).text();
    assert.match(scraped, /^durable_jobs_pods_started\{job_name="labelled",job_namespace="default"\} 1$/m);
    assert.match(scraped, /^durable_jobs_pods_running 1$/m);
    assert.match(scraped, /^durable_jobs_pods_max 2$/m);
    assert.match(scraped, /^temporal_worker_task_slots_available\{/m);

    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    await until('every pod process to die with the worker', () => (processesWith(token).length === 0 ? true : undefined), 10_000);
    assert.deepEqual(processesWith(token), []);
    await env.client.workflow.getHandle('job/default/labelled').terminate('test over');
  });
});
