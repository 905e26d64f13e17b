// A worker SIGKILLed just as a Job's workflow continues as new (real dev server, real `jobctl worker`
// process, real pods): its pods die with it, the pods it lost count once each as failed (WorkerLost), a
// new worker finishes the Job, and the counts are exact across the runs. Takes ~40 s of real time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { JobsClient } from '../src/client/jobs';
import { createLocalEnv } from '../src/dev/servers';
import { createJobWorker } from '../src/worker';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { until } from './helpers/runs';
import { runChain } from './helpers/run-chain';

const ROOT = path.resolve(__dirname, '..', '..');

describe('a worker killed at a continue-as-new (real dev server)', { timeout: 240_000 }, () => {
  let env: TestWorkflowEnvironment;
  let child: ChildProcess | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-crash-can-'));
  before(async () => {
    env = await createLocalEnv();
  });
  after(async () => {
    child?.kill('SIGKILL');
    await env?.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('leaves no pod process, counts every pod once, and a new worker completes the Job', async () => {
    const tok = token();
    const job = makeJob('crash-can', { completions: 24, parallelism: 3, backoffLimit: 100 }, [shellContainer(`sleep 0.3${tok}`)]);
    const jobs = new JobsClient(env.client);
    child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jobctl.js'), 'worker', '--data-dir', path.join(home, 'w1')], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default' },
      stdio: 'ignore',
    });
    const handle = await jobs.create(job, { continueAsNew: { historyEvents: 25 } });
    const first = (await handle.describe()).runId;
    await until('the first continue-as-new', async () => ((await jobs.handle('default', 'crash-can').describe()).runId !== first ? true : undefined), 120_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    await until('pod processes die with their worker', () => (processesWith(tok).length === 0 ? true : undefined), 10_000);

    const worker = await createJobWorker({ connection: env.nativeConnection, dataDir: path.join(home, 'w2'), identity: 'worker-2' });
    const result = await worker.runUntil(jobs.result('default', 'crash-can'));
    const { status } = result.job;
    assert.deepEqual(status.conditions.filter((c) => c.status === 'True').map((c) => c.type), ['SuccessCriteriaMet', 'Complete']);
    assert.equal(status.succeeded, 24);
    const lost = result.pods.filter((p) => p.reason === 'WorkerLost');
    assert.equal(status.failed, lost.length, 'only pods lost with the worker failed, each once');
    assert.equal(result.pods.length, 24 + lost.length, 'every pod of every run is remembered (window of 100)');
    assert.equal(new Set(result.pods.map((p) => p.name)).size, result.pods.length);
    const created = result.events.filter((e) => e.reason === 'SuccessfulCreate').reduce((n, e) => n + e.count, 0);
    assert.equal(created, 24 + lost.length, 'no pod was started twice');
    const runs = await runChain(env.client, handle.workflowId, handle.firstExecutionRunId);
    assert.ok(runs.length >= 2, `${runs.length} runs`);
    assert.deepEqual(processesWith(tok), []);
  });
});
