// Secrets kept out of Temporal, on a real dev server (issue 15, section 4). Seen: a pod's env values
// travelled in the workflow input, the memo and every activity input, readable by anyone with Temporal
// access. With codec keys configured (here through `jobctl --codec-key-file`, and the worker's
// payloadCodec) the history a plain client fetches holds no plaintext env value, while the codec (and the
// codec server, over HTTP as the Web UI calls it) reads it back. `secretKeyRef` values come from the
// worker's secrets dir as the pod starts: the pod gets the value and the history never holds it, codec
// or not; a missing secret fails the pod with CreateContainerConfigError.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { parseManifests } from '../src/api';
import { AesGcmCodec, parseKeyRing, startCodecServer } from '../src/codec';
import { JobsClient } from '../src/client/jobs';
import { clientFor } from '../src/client/connection';
import { createLocalEnv } from '../src/dev/servers';
import { quietSdkLogs } from '../src/runtime-logging';
import { createJobWorker } from '../src/worker';
import { cachedWorkflowBundle, type WorkflowBundleFile } from '../src/workflow-bundle';
import type { JobInput } from '../src/workflows/messages';
import { runJobctl } from './helpers/jobctl-server';

const PASSWORD = `env-value-${randomBytes(6).toString('hex')}`;
const TOKEN = `secret-file-${randomBytes(6).toString('hex')}`;
const KEY_LINE = `k1=${randomBytes(32).toString('base64')}`;

function manifest(name: string, env: string, script: string, extra = ''): string {
  return `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  backoffLimit: 0
${extra}  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, '${script}']
        env:
${env}
`;
}

/** The whole history as the server keeps it, as bytes: a plaintext payload would appear in it verbatim. */
async function rawHistory(env: TestWorkflowEnvironment, workflowId: string): Promise<{ bytes: Buffer; history: temporal.api.history.v1.IHistory }> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return { bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()), history };
}

describe('secrets stay out of Temporal (dev server)', { timeout: 240_000 }, () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleFile;
  let dir: string;
  let secretsDir: string;
  let keyFile: string;
  const codec = new AesGcmCodec(parseKeyRing([KEY_LINE], 'test'));

  before(async () => {
    quietSdkLogs('ERROR');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-secrets-e2e-'));
    secretsDir = path.join(dir, 'secrets');
    fs.mkdirSync(path.join(secretsDir, 'default', 'db'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(secretsDir, 'default', 'db', 'token'), TOKEN, { mode: 0o600 });
    keyFile = path.join(dir, 'codec-keys');
    fs.writeFileSync(keyFile, `${KEY_LINE}\n`, { mode: 0o600 });
    [env, bundle] = await Promise.all([createLocalEnv(), cachedWorkflowBundle()]);
  });
  after(async () => {
    await env?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('with the codec on, no env value is plaintext in history; the codec and the codec server decode it', async () => {
    const taskQueue = `codec-${process.pid}`;
    const worker = await createJobWorker({ connection: env.nativeConnection, taskQueue, dataDir: path.join(dir, 'data-a'), workflowBundle: bundle, payloadCodec: codec, log: () => undefined });
    const jobs = new JobsClient(clientFor(env.connection, 'default', { codec }), { taskQueue });
    const yaml = manifest('with-codec', `        - {name: PASSWORD, value: ${PASSWORD}}`, 'echo "password has ${#PASSWORD} characters"');
    const file = path.join(dir, 'with-codec.yaml');
    fs.writeFileSync(file, yaml);
    await worker.runUntil(async () => {
      // jobctl picks the keys up from its flag: what it starts is encrypted.
      const created = await runJobctl(['--codec-key-file', keyFile, 'create', '-f', file], {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        DURABLE_JOBS_HOME: path.join(dir, 'home'),
        DURABLE_JOBS_TASK_QUEUE: taskQueue,
        NO_COLOR: '1',
      });
      assert.equal(created.code, 0, created.stderr);
      const result = await jobs.result('default', 'with-codec');
      assert.equal(result.job.status.succeeded, 1);
      assert.match(result.pods[0]?.containers?.[0]?.logTail ?? '', new RegExp(`password has ${PASSWORD.length} characters`));
      assert.equal(result.job.spec.template.spec.containers[0]?.env?.[0]?.value, PASSWORD, 'the Job itself keeps its env');
    });

    const { bytes, history } = await rawHistory(env, 'job/default/with-codec');
    assert.ok(bytes.length > 1000);
    assert.ok(!bytes.includes(Buffer.from(PASSWORD)), 'no plaintext env value anywhere in the history');
    // The search would find it: decoded, the start input holds the value.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const [decoded] = await codec.decode((started?.input?.payloads ?? []) as Payload[]);
    const input = defaultPayloadConverter.fromPayload<JobInput>(decoded!);
    assert.equal(input.job.spec.template.spec.containers[0]?.env?.[0]?.value, PASSWORD);
    // The memo is encrypted too, and even decrypted it holds no env value.
    const memo = started?.memo?.fields?.job;
    assert.ok(memo && !Buffer.from(memo.data ?? []).includes(Buffer.from('with-codec')), 'the memo is encrypted');
    const described = await clientFor(env.connection, 'default', { codec }).workflow.getHandle('job/default/with-codec').describe();
    const memoJob = described.memo?.job as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
    assert.deepEqual(memoJob.spec.template.spec.containers[0]?.env, [{ name: 'PASSWORD' }]);

    // The Web UI's call: POST /decode with the payloads as protobuf JSON, from its origin.
    const server = await startCodecServer({ codec, origins: ['http://localhost:8233'] });
    try {
      const payload = started?.input?.payloads?.[0];
      const res = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: 'http://localhost:8233', 'X-Namespace': 'default' },
        body: JSON.stringify({
          payloads: [
            {
              metadata: Object.fromEntries(Object.entries(payload?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
              data: Buffer.from(payload?.data ?? []).toString('base64'),
            },
          ],
        }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { payloads: Array<{ data: string }> };
      assert.match(Buffer.from(body.payloads[0]?.data ?? '', 'base64').toString('utf8'), new RegExp(PASSWORD));
    } finally {
      await server.close();
    }
  });

  it('secretKeyRef: the pod gets the value from the secrets dir, the history never holds it; a missing secret fails the pod', async () => {
    const taskQueue = `secrets-${process.pid}`;
    // No codec here: the secret stays out of Temporal by itself.
    const worker = await createJobWorker({ connection: env.nativeConnection, taskQueue, dataDir: path.join(dir, 'data-b'), secretsDir, workflowBundle: bundle, log: () => undefined });
    const jobs = new JobsClient(env.client, { taskQueue });
    const ref = (name: string) => `        - name: TOKEN\n          valueFrom: {secretKeyRef: {name: ${name}, key: token}}`;
    await worker.runUntil(async () => {
      const [good] = parseManifests(manifest('with-secret', ref('db'), 'printf %s "$TOKEN" | sha256sum'), 'good');
      const [missing] = parseManifests(manifest('missing-secret', ref('nope'), 'echo never'), 'missing');
      await Promise.all([jobs.create(good!), jobs.create(missing!)]);
      const [ok, failed] = await Promise.all([jobs.result('default', 'with-secret'), jobs.result('default', 'missing-secret')]);

      assert.equal(ok.job.status.succeeded, 1);
      const sha = createHash('sha256').update(TOKEN).digest('hex');
      assert.match(ok.pods[0]?.containers?.[0]?.logTail ?? '', new RegExp(sha), 'the pod saw the secret');

      assert.equal(failed.job.status.failed, 1);
      const container = failed.pods[0]?.containers?.[0];
      assert.equal(container?.reason, 'CreateContainerConfigError');
      assert.equal(container?.message, 'secret "nope" not found');
      assert.ok(failed.job.status.conditions.some((c) => c.type === 'Failed' && c.status === 'True'));
    });
    const { bytes } = await rawHistory(env, 'job/default/with-secret');
    assert.ok(bytes.includes(Buffer.from(createHash('sha256').update(TOKEN).digest('hex'))), 'the log tail is in history (the search works)');
    assert.ok(!bytes.includes(Buffer.from(TOKEN)), 'the secret value is not');
  });
});
