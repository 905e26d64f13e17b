// Queries on a running Job against a real dev server (real time, real shell pods): what `jobctl`
// and the Web UI read while a Job runs, and the result that outlives the worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import { workflowMetadataQuery } from '@temporalio/workflow';
import { parseManifests } from '../src/api';
import type { Job, JobStatus } from '../src/api/types';
import { JobsClient } from '../src/client/jobs';
import { createLocalEnv } from '../src/dev/servers';
import { quietSdkLogs } from '../src/runtime-logging';
import { createJobWorker } from '../src/worker';
import { cachedWorkflowBundle, type WorkflowBundleFile } from '../src/workflow-bundle';
import { jobQuery, type JobResult } from '../src/workflows/messages';

/** The SDK's built-in query behind the Web UI's "Stack Trace" tab. */
const STACK_TRACE_QUERY = '__stack_trace';
const NAME = 'queries-running';
const WORKER = 'queries-test-worker';
/** Kubernetes' pod name suffix: 5 characters of utilrand's alphabet (no vowels, no 0/1/3). */
const POD_NAME = new RegExp(`^${NAME}-[bcdfghjklmnpqrstvwxz2456789]{5}$`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const MANIFEST = `apiVersion: batch/v1
kind: Job
metadata: {name: ${NAME}}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      containers:
      - {name: main, image: busybox, command: [sleep, "2"]}
`;

function terminal(status: JobStatus) {
  return status.conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

async function pollUntil<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch {
      // The workflow may not have run its first task yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('queries on a running Job (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleFile;
  let dataDir: string;

  before(async () => {
    quietSdkLogs();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-queries-'));
    [env, bundle] = await Promise.all([createLocalEnv(), cachedWorkflowBundle()]);
  });
  after(async () => {
    await env?.teardown();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers status, pods, events, job and the Web UI details while it runs; the result needs no worker', async () => {
    const [job] = parseManifests(MANIFEST, 'manifest') as Job[];
    const taskQueue = `queries-${process.pid}`;
    const jobs = new JobsClient(env.client, { taskQueue });
    const worker = await createJobWorker({
      connection: env.nativeConnection,
      taskQueue,
      dataDir,
      workflowBundle: bundle,
      identity: WORKER,
      log: () => undefined,
    });

    const result: JobResult = await worker.runUntil(async () => {
      const handle = await jobs.create(job);

      // Both pods of the first wave have announced their start (podStarted signals).
      await pollUntil('two ready pods', () => jobs.status('default', NAME), (s) => s.ready === 2);
      // One snapshot of every query at once, well inside the pods' 2 s.
      const [status, all, page0, page1, page2, events, snapshot, metadata, stackTrace] = await Promise.all([
        jobs.status('default', NAME),
        jobs.pods('default', NAME),
        jobs.pods('default', NAME, 0, 1),
        jobs.pods('default', NAME, 1, 1),
        jobs.pods('default', NAME, 2, 1),
        jobs.events('default', NAME),
        handle.query(jobQuery),
        handle.query(workflowMetadataQuery),
        handle.query<string>(STACK_TRACE_QUERY),
      ]);

      // The Web UI's "Stack Trace" tab names what the Job waits on, with the callers that started it,
      // under the workflow thread's shortened stack traces (src/workflows/stack-trace-limit.ts).
      assert.match(stackTrace, /at then \(\S*src\/workflows\/pod-dispatch\.ts:\d+:\d+\)\n.*\n.*\n\s*at step \(\S*src\/workflows\/job\.ts:\d+:\d+\)/);
      assert.match(stackTrace, /at job \(\S*src\/workflows\/job\.ts:\d+:\d+\)/);

      // status
      assert.equal(status.active, 2);
      assert.equal(status.ready, 2);
      assert.equal(status.succeeded, 0);
      assert.equal(status.failed, 0);
      assert.ok(status.startTime && !Number.isNaN(Date.parse(status.startTime)), `startTime ${status.startTime}`);
      assert.equal(status.completionTime, undefined);
      assert.equal(terminal(status), undefined, 'no terminal condition while running');

      // pods, paged
      assert.equal(all.total, 2);
      assert.equal(all.dropped, 0);
      assert.equal(all.items.length, 2);
      assert.equal(page0.items.length, 1);
      assert.ok(page0.total >= 2);
      assert.equal(page1.items.length, 1);
      assert.equal(page2.items.length, 0, 'past the end');
      assert.equal(page2.total, 2);
      assert.deepEqual([page0.items[0].name, page1.items[0].name], all.items.map((p) => p.name));
      assert.notEqual(page0.items[0].name, page1.items[0].name);
      for (const pod of all.items) {
        assert.match(pod.name, POD_NAME);
        assert.equal(pod.phase, 'Running', `${pod.name} is Running once it announced its start`);
        assert.equal(pod.running, true);
        assert.equal(pod.worker, WORKER);
        assert.ok(pod.startTime, `${pod.name} has a startTime`);
        assert.ok(pod.creationTimestamp);
        assert.equal(pod.finishedAt, undefined);
      }

      // events: one SuccessfulCreate per pod (different messages, so not folded)
      assert.deepEqual(
        events.map((e) => `${e.type}/${e.reason}/${e.message}/${e.count}`),
        all.items.map((p) => `Normal/SuccessfulCreate/Created pod: ${p.name}/1`),
      );

      // the Job, as `kubectl get job -o yaml` would show it
      assert.equal(snapshot.apiVersion, 'batch/v1');
      assert.equal(snapshot.kind, 'Job');
      assert.equal(snapshot.metadata.name, NAME);
      assert.equal(snapshot.metadata.namespace, 'default');
      assert.match(snapshot.metadata.uid ?? '', UUID);
      assert.ok(snapshot.metadata.creationTimestamp, 'creationTimestamp set');
      assert.deepEqual(snapshot.metadata.labels, {
        'batch.kubernetes.io/job-name': NAME,
        'job-name': NAME,
        'batch.kubernetes.io/controller-uid': snapshot.metadata.uid,
        'controller-uid': snapshot.metadata.uid,
      });
      assert.deepEqual(snapshot.spec.selector?.matchLabels, { 'batch.kubernetes.io/controller-uid': snapshot.metadata.uid });
      assert.equal(snapshot.status.active, 2);
      assert.equal(snapshot.status.ready, 2);

      // the Web UI's live status line
      assert.match(metadata.currentDetails ?? '', /\*\*Running\*\*/);
      assert.match(metadata.currentDetails ?? '', /0 of 3 completions/);
      assert.match(metadata.currentDetails ?? '', /active 2 · succeeded 0 · failed 0/);
      assert.match(metadata.currentDetails ?? '', /Active pods: `queries-running-[a-z0-9]{5}`, `queries-running-[a-z0-9]{5}`/);

      const final = await jobs.result('default', NAME);
      const doneDetails = await handle.query(workflowMetadataQuery);
      assert.match(doneDetails.currentDetails ?? '', /^\*\*Complete\*\* · CompletionsReached/);
      assert.match(doneDetails.currentDetails ?? '', /3 of 3 completions/);
      // The query handlers and the workflow's own definition are listed for the UI.
      const queries = (doneDetails.definition?.queryDefinitions ?? []).map((q) => q.name).sort();
      for (const q of ['events', 'job', 'pods', 'status']) assert.ok(queries.includes(q), `metadata lists query ${q}: ${queries}`);
      return final;
    });

    // The result
    const status = result.job.status;
    assert.deepEqual(
      status.conditions.filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason}`),
      ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached'],
    );
    assert.equal(status.succeeded, 3);
    assert.equal(status.failed, 0);
    assert.equal(status.active, 0);
    assert.equal(status.ready, 0);
    assert.ok(status.completionTime && status.startTime && Date.parse(status.completionTime) >= Date.parse(status.startTime));
    // Two waves of 2 s pods: at least 4 s from start to completion.
    assert.ok(Date.parse(status.completionTime) - Date.parse(status.startTime) >= 3_900, `${status.startTime} .. ${status.completionTime}`);
    assert.equal(result.pods.length, 3);
    assert.equal(result.podsDropped, 0);
    assert.equal(new Set(result.pods.map((p) => p.name)).size, 3);
    for (const pod of result.pods) {
      assert.match(pod.name, POD_NAME);
      assert.equal(pod.phase, 'Succeeded');
      assert.equal(pod.worker, WORKER);
      assert.equal(pod.containers?.[0].exitCode, 0);
    }
    assert.deepEqual(result.events.map((e) => e.reason), ['SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate', 'Completed']);
    assert.equal(result.job.metadata.name, NAME);

    // No worker runs any more: the result and the description come from the server alone.
    assert.equal(worker.getState(), 'STOPPED');
    const handle = jobs.handle('default', NAME);
    const again = (await withTimeout(handle.result(), 10_000, 'result() without a worker')) as JobResult;
    assert.deepEqual(again, result);
    const description = await handle.describe();
    assert.equal(description.status.name, 'COMPLETED');
    assert.equal(description.type, 'job');
    assert.equal(description.taskQueue, taskQueue);
    assert.equal(await description.staticSummary(), `Job default/${NAME}`);
  });
});

