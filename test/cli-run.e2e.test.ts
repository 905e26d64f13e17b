// End to end: the real `jobctl` process, a real Temporal dev server, real pod processes. The embedded
// server (one per `jobctl run`) is started where it is what a test is about; the rest share one server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLocalEnv } from '../src/dev/servers';
import { processesWith } from './helpers/procs';

const ROOT = path.resolve(__dirname, '..', '..');
const JOBCTL = path.join(ROOT, 'bin', 'jobctl.js');
const PI_50 = '3.14159265358979323846264338327950288419716939937510';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function jobctl(args: string[], env: NodeJS.ProcessEnv, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JOBCTL, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function baseEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DURABLE_JOBS_HOME: home };
  delete env.TEMPORAL_ADDRESS;
  return env;
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe('jobctl run', () => {
  it('runs the seeds\' pi Job unmodified on an embedded dev server and prints pi', async () => {
    const home = tempDir('jobctl-pi-');
    const ran = await jobctl(['run', 'examples/pi.yaml'], baseEnv(home));
    assert.equal(ran.code, 0, ran.stderr);
    assert.ok(ran.stdout.includes(PI_50), `stdout lacks pi: ${ran.stdout.slice(0, 200)}`);
    assert.match(ran.stderr, /Temporal Web UI: http:\/\/127\.0\.0\.1:\d+/);
    assert.match(ran.stderr, /image "perl:5\.34\.0" is not pulled/);
    assert.match(ran.stderr, /job\.batch\/pi complete/);
    // Durable: the embedded server kept its database in the data dir.
    assert.ok(fs.existsSync(path.join(home, 'temporal.db')));
    assert.deepEqual(processesWith(home), [], 'no server or pod process is left behind');
  });

  it('Ctrl-C stops the Job: no pod process and no server process left behind', async () => {
    const home = tempDir('jobctl-int-');
    const token = `${1000 + Math.floor(Math.random() * 8000)}.${process.pid}`;
    const manifest = path.join(home, 'sleep.yaml');
    fs.writeFileSync(
      manifest,
      `apiVersion: batch/v1\nkind: Job\nmetadata: {name: sleeper}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      terminationGracePeriodSeconds: 2\n      containers:\n      - {name: c, image: busybox, command: ["sleep", "${token}"]}\n`,
    );
    let sent = false;
    const ran = await jobctl(['run', manifest], baseEnv(home), (stderr, child) => {
      if (!sent && /Created pod/.test(stderr)) {
        sent = true;
        // Give the pod's process a moment to exist, then interrupt like a user would.
        setTimeout(() => {
          assert.ok(processesWith(token).length > 0, 'the pod process runs before Ctrl-C');
          child.kill('SIGINT');
        }, 1500);
      }
    });
    assert.ok(sent, `the Job never created its pod: ${ran.stderr}`);
    assert.equal(ran.code, 130, ran.stderr);
    assert.deepEqual(processesWith(token), [], 'the pod process is gone');
    assert.deepEqual(processesWith(home), [], 'the embedded server is gone');
  });
});

describe('jobctl run against TEMPORAL_ADDRESS', () => {
  let env: TestWorkflowEnvironment;
  let address: string;
  before(async () => {
    env = await createLocalEnv();
    address = env.address;
  });
  after(async () => {
    await env?.teardown();
  });

  it('rejects an invalid manifest with the field path and starts no workflow', async () => {
    const home = tempDir('jobctl-bad-');
    const manifest = path.join(home, 'bad.yaml');
    fs.writeFileSync(manifest, fs.readFileSync(path.join(ROOT, 'examples', 'pi.yaml'), 'utf8').replace('restartPolicy: Never', 'restartPolicy: Always'));
    const ran = await jobctl(['run', manifest], { ...baseEnv(home), TEMPORAL_ADDRESS: address });
    assert.notEqual(ran.code, 0);
    assert.match(ran.stderr, /spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
    const started = [];
    for await (const wf of env.client.workflow.list()) started.push(wf.workflowId);
    assert.deepEqual(started, []);
  });

  // Pi itself (~5 s of CPU in perl) runs on the embedded server above; here a short Job is enough.
  it('runs a Job on the given server and prints its output', async () => {
    const home = tempDir('jobctl-ext-');
    const manifest = path.join(home, 'hello.yaml');
    fs.writeFileSync(
      manifest,
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: hello}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: c, image: busybox, command: ["echo", "hello from the given server"]}\n',
    );
    const ran = await jobctl(['run', manifest], { ...baseEnv(home), TEMPORAL_ADDRESS: address });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout, 'hello from the given server\n');
    assert.match(ran.stderr, new RegExp(`Using the Temporal server at ${address.replace(/\./g, '\\.')}`));
    const desc = await env.client.workflow.getHandle('job/default/hello').describe();
    assert.equal(desc.status.name, 'COMPLETED');
  });

  it('exits 1 and says why when the Job fails', async () => {
    const home = tempDir('jobctl-fail-');
    const manifest = path.join(home, 'fail.yaml');
    fs.writeFileSync(
      manifest,
      [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata: {name: fails}',
        'spec:',
        '  backoffLimit: 0',
        '  template:',
        '    spec:',
        '      restartPolicy: Never',
        '      containers:',
        '      - {name: c, image: busybox, command: ["sh", "-c", "echo boom; exit 7"]}',
        '',
      ].join('\n'),
    );
    const ran = await jobctl(['run', manifest], { ...baseEnv(home), TEMPORAL_ADDRESS: address });
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /job\.batch\/fails failed: BackoffLimitExceeded: Job has reached the specified backoff limit/);
    assert.match(ran.stdout, /boom/);
  });

  it('names the address it tried when no server answers', async () => {
    const home = tempDir('jobctl-noconn-');
    const ran = await jobctl(['run', 'examples/pi.yaml'], { ...baseEnv(home), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(ran.code, 1);
    assert.match(ran.stderr, /cannot connect to Temporal at 127\.0\.0\.1:1/);
    assert.match(ran.stderr, /TEMPORAL_ADDRESS/);
  });
});
