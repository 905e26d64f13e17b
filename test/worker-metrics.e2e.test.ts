// The worker's Prometheus endpoint, scraped over HTTP during and after a real Job on a dev server: the
// SDK's worker metrics and durable-jobs' pod metrics, whose counts must equal the Job's status. The same
// worker traces (OpenTelemetry over OTLP/HTTP to a collector of the test's own): a span per pod. The
// Temporal runtime is per process, so this file installs it (with the metrics address) before
// anything else creates it: under node --test the file's process is its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { JobsClient } from '../src/client';
import { DEV_SERVER_EXTRA_ARGS } from '../src/dev/embedded';
import { createLocalEnv } from '../src/dev/servers';
import { installRuntime } from '../src/runtime-logging';
import { createJobWorker, startTracing, type PodLogFields } from '../src/worker';
import { cachedWorkflowBundle } from '../src/workflow-bundle';
import { makeJob, shellContainer } from './helpers/jobs';
import { eventually, freePort } from './helpers/procs';

// Above activityPolls' count (src/worker-polls.ts): a waiting poll holds a pod slot, and eager dispatch
// takes only slots no poll holds.
const MAX_PODS = 30;

/** `name{labels} value` lines of the Prometheus text format; label values as given. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** An OTLP/HTTP span as the JSON exporter sends it (only what the test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
  status?: { code?: number; message?: string };
}
interface OtlpBody {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

/** A trace collector: every span POSTed to /v1/traces, with its resource's service.name. */
async function startCollector(): Promise<{ url: string; spans: Array<OtlpSpan & { service?: string }>; close(): Promise<void> }> {
  const spans: Array<OtlpSpan & { service?: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) spans.push({ ...span, ...(service !== undefined ? { service } : {}) });
      }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const attr = (span: OtlpSpan, key: string): string | undefined => {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? String(v.intValue) : undefined);
};

function sum(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

describe('worker telemetry (dev server: Prometheus endpoint, OTLP traces)', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let url: string;

  before(async () => {
    const address = `127.0.0.1:${await freePort()}`;
    assert.equal(installRuntime({ metricsAddress: address }), true, 'this test file must be the first to create the runtime');
    url = `http://${address}/metrics`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-jobs-metrics-'));
    // The embedded dev server's settings (eager pod dispatch among them, checked below).
    env = await createLocalEnv({ server: { extraArgs: DEV_SERVER_EXTRA_ARGS } });
  });
  after(async () => {
    await env?.teardown();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts started, succeeded and failed pods as the Job status does, next to the SDK worker metrics, and traces each pod', async () => {
    const collector = await startCollector();
    const marks = fs.mkdtempSync(path.join(dataDir, 'marks-'));
    // Indexes 1 and 3 fail once (exit 3), then succeed: 4 succeeded, 2 failed, Complete.
    const script = `m=${marks}/$JOB_COMPLETION_INDEX; if [ $((JOB_COMPLETION_INDEX % 2)) = 1 ] && [ ! -e $m ]; then touch $m; exit 3; fi; sleep 0.3`;
    const job = makeJob('metered', { completions: 4, parallelism: 4, completionMode: 'Indexed', backoffLimit: 6 }, [shellContainer(script)]);
    const taskQueue = `metrics-${process.pid}`;
    const jobs = new JobsClient(env.client, { taskQueue });
    const lines: Array<{ message: string; fields?: PodLogFields }> = [];
    const worker = await createJobWorker({
      connection: env.nativeConnection,
      taskQueue,
      dataDir,
      isolation: 'process-group',
      maxConcurrentPods: MAX_PODS,
      workflowBundle: await cachedWorkflowBundle(process.env, { traced: true }),
      tracing: startTracing({ endpoint: collector.url, serviceName: 'metrics-e2e' }),
      log: (message, fields) => lines.push({ message, ...(fields ? { fields } : {}) }),
    });

    const { result, during } = await worker.runUntil(async () => {
      await jobs.create(job);
      // During the Job: once a pod has started, the endpoint shows it, and the worker's cap.
      assert.ok(await eventually(() => lines.some((l) => l.fields?.event === 'pod-started'), 60_000), 'no pod started');
      const during = parseMetrics(await (await fetch(url)).text());
      return { result: await jobs.result('default', 'metered'), during };
    });
    assert.ok(sum(during, 'durable_jobs_pods_started', { job_name: 'metered' }) >= 1);
    assert.equal(sum(during, 'durable_jobs_pods_max'), MAX_PODS);

    const status = result.job.status;
    assert.equal(status.succeeded, 4);
    assert.equal(status.failed, 2);
    const after = parseMetrics(await (await fetch(url)).text());
    const tags = { job_namespace: 'default', job_name: 'metered' };
    assert.equal(sum(after, 'durable_jobs_pods_succeeded', tags), status.succeeded);
    assert.equal(sum(after, 'durable_jobs_pods_failed', { ...tags, reason: 'Error' }), status.failed);
    assert.equal(sum(after, 'durable_jobs_pods_started', tags), status.succeeded + status.failed);
    assert.equal(sum(after, 'durable_jobs_pod_duration_count', tags), status.succeeded + status.failed);
    assert.equal(sum(after, 'durable_jobs_pods_running'), 0);
    assert.ok(sum(after, 'durable_jobs_pods_max') === MAX_PODS);
    // The SDK's own worker metrics share the endpoint.
    assert.ok(after.some((s) => s.name === 'temporal_worker_task_slots_available'), 'no SDK worker metrics on the endpoint');
    assert.ok(after.some((s) => s.name.startsWith('temporal_request')), 'no SDK client metrics on the endpoint');
    // Every pod reached the worker once; pods the workflow started while slots were free came back with
    // its workflow task's completion (eager dispatch, src/worker-polls.ts), not through a poll.
    const received = { activity_type: 'runPod' };
    assert.equal(sum(after, 'temporal_activity_task_received', received), status.succeeded + status.failed);
    assert.ok(sum(after, 'temporal_activity_task_received', { ...received, eager: 'true' }) >= 1, 'no pod was dispatched eagerly');

    // The worker's log: a start and an end line per pod, the end with its exit code.
    const ended = lines.filter((l) => l.fields?.event === 'pod-ended').map((l) => l.fields!);
    assert.equal(lines.filter((l) => l.fields?.event === 'pod-started').length, 6);
    assert.deepEqual(ended.map((f) => `${f.phase} ${f.exitCode}`).sort(), ['Failed 3', 'Failed 3', 'Succeeded 0', 'Succeeded 0', 'Succeeded 0', 'Succeeded 0']);
    assert.ok(ended.every((f) => f.job === 'metered' && f.namespace === 'default' && typeof f.durationMs === 'number' && f.pod.startsWith('metered-')));

    // Traces, flushed when the worker stopped: a RunActivity span per pod, named after its pod, a child of
    // the workflow's StartActivity span (trace context crosses the server in the activity's headers); the
    // failed attempts are error spans; the workflow's own span came out of the sandbox through the sink.
    await collector.close();
    const spans = collector.spans;
    const runs = spans.filter((sp) => sp.name === 'RunActivity:runPod');
    assert.deepEqual(
      runs.map((sp) => attr(sp, 'durable_jobs.pod')).sort(),
      lines.filter((l) => l.fields?.event === 'pod-started').map((l) => l.fields!.pod).sort(),
      'one span per pod, named after it',
    );
    assert.ok(runs.every((sp) => attr(sp, 'durable_jobs.job') === 'metered' && sp.service === 'metrics-e2e'));
    // A failed pod is a benign failure (the Job's policy decides what it means), so its span's status
    // is not ERROR, but it carries the pod's failure: exit code and reason.
    assert.equal(runs.filter((sp) => /exit 3 · Error/.test(sp.status?.message ?? '')).length, status.failed, 'a failed pod span carries its exit code and reason');
    const starts = new Map(spans.filter((sp) => sp.name === 'StartActivity:runPod').map((sp) => [sp.spanId, sp]));
    assert.ok(runs.every((sp) => sp.parentSpanId !== undefined && starts.get(sp.parentSpanId)?.traceId === sp.traceId), 'a pod span is the child of the workflow span that started it');
    assert.ok(spans.some((sp) => sp.name === 'RunWorkflow:job'), 'no workflow span');
  });
});
