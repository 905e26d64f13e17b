// Time-skipping workflow tests of disruptions (JOB-SEMANTICS section A "disruption"): a pod whose
// worker shuts down while it runs ends Failed with DisruptionTarget/WorkerLost and is replaced.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobTestEnvironment, type StartedJob } from '../src/testing';
import { makeJob, shellContainer } from './helpers/jobs';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('disruption: a worker shutting down under a running pod', () => {
  let env: JobTestEnvironment;
  let dir: string;
  before(async () => {
    env = await JobTestEnvironment.create();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-disruption-'));
  });
  after(async () => {
    await env?.teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails the pod with DisruptionTarget=True/WorkerLost and replaces it on another worker', async () => {
    const pidFile = path.join(dir, 'first.pid');
    // The first pod records its pid and sleeps; the replacement finds the file and succeeds.
    const script = `if [ -e ${pidFile} ]; then echo second; exit 0; fi; echo $$ > ${pidFile}; exec sleep 1000`;
    const job: StartedJob = await env.start(makeJob('disrupted', {}, [shellContainer(script)]));
    const t0 = Date.now();
    await env.runWorker(
      () => until('the first pod to run', async () => ((await job.status()).ready === 1 && fs.existsSync(pidFile) ? true : undefined)),
      { identity: 'worker-1' },
    );
    console.log('worker 1 down after', Date.now() - t0);
    const run = await env.runWorker(() => job.result(), { identity: 'worker-2' });
    console.log(JSON.stringify(run, null, 1));
  });
});
