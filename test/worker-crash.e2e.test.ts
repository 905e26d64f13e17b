// A worker killed with SIGKILL under a running pod: the pod's processes die with it (bubblewrap's
// --die-with-parent), the heartbeat timeout turns the pod into a disruption (section A: Failed,
// DisruptionTarget=True, reason WorkerLost), and a new worker finishes the Job with exact counts.
// Real dev server, real `jobctl worker` process, real pod processes. Takes ~40 s of real time.
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
import { processesWith } from './helpers/procs';
import { until } from './helpers/runs';

const ROOT = path.resolve(__dirname, '..', '..');

describe('a worker killed under a running pod (real dev server)', { timeout: 180_000 }, () => {
  let env: TestWorkflowEnvironment;
  let child: ChildProcess | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-crash-'));
  before(async () => {
    env = await createLocalEnv();
  });
  after(async () => {
    child?.kill('SIGKILL');
    await env?.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('kills the pod with the worker, marks it WorkerLost, and a new worker completes the Job', async () => {
    const token = `1000.${process.pid}${Date.now() % 100000}`;
    const marker = path.join(home, 'crashed-once');
    // The first pod sleeps until its worker is killed; the test then leaves a marker, which its
    // replacement finds (pods have a private /tmp: the second worker shares `home` with its pods).
    const job = makeJob('crash', { backoffLimit: 2 }, [
      shellContainer(`if [ -e ${marker} ]; then echo second; exit 0; fi; sleep ${token} & wait`),
    ]);
    const jobs = new JobsClient(env.client);
    child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jobctl.js'), 'worker', '--data-dir', path.join(home, 'w1')], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default' },
      stdio: 'ignore',
    });
    await jobs.create(job);
    await until('the pod runs on the first worker', () => (processesWith(token).length > 0 ? true : undefined), 60_000);
    // Workers announce pod starts in batches (within a second): the Job learns of it a little later.
    const firstPod = await until('the Job to see it running', async () => {
      const p = (await jobs.pods('default', 'crash')).items[0];
      return p?.phase === 'Running' ? p : undefined;
    }, 30_000);
    assert.equal(firstPod.phase, 'Running');

    fs.writeFileSync(marker, '');
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    await until('the pod dies with its worker', () => (processesWith(token).length === 0 ? true : undefined), 10_000);

    const worker = await createJobWorker({ connection: env.nativeConnection, dataDir: path.join(home, 'w2'), identity: 'worker-2', sharedPaths: [home] });
    const result = await worker.runUntil(jobs.result('default', 'crash'));

    const status = result.job.status;
    assert.deepEqual(
      status.conditions.filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason}`),
      ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached'],
    );
    assert.equal(status.succeeded, 1);
    assert.equal(status.failed, 1, 'the lost pod counts once as failed');
    assert.equal(result.pods.length, 2);
    const lost = result.pods.find((p) => p.name === firstPod.name);
    assert.ok(lost, 'the first pod is kept');
    assert.equal(lost.phase, 'Failed');
    assert.equal(lost.reason, 'WorkerLost');
    assert.deepEqual(
      lost.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['DisruptionTarget=True/WorkerLost'],
    );
    assert.match(lost.message ?? '', /stopped responding \(HEARTBEAT\)/);
    const replacement = result.pods.find((p) => p.name !== firstPod.name);
    assert.equal(replacement?.phase, 'Succeeded');
    assert.equal(replacement?.worker, 'worker-2');
    assert.equal(replacement?.containers?.[0].logTail, 'second\n');
    assert.deepEqual(processesWith(token), []);
  });
});
