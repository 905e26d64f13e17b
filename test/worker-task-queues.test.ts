// nodeSelector to task queue: the pure naming (src/api/task-queues.ts), and a real worker with node
// labels on a real dev server running pods from every queue its labels satisfy, none from others,
// and never more at once than --max-concurrent-pods over all its queues.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MAX_NODE_LABELS, nodeTaskQueues, parseNodeLabels, podTaskQueue } from '../src/api/task-queues';
import type { RunPodInput } from '../src/api/pod';
import { createLocalEnv } from '../src/dev/servers';
import { createJobWorker } from '../src/worker';
import type { RoutedPod, RouteOutcome } from './helpers/route-workflow';
import { cachedTestBundle } from './helpers/test-bundle';

describe('podTaskQueue', () => {
  it('is the base queue without a selector', () => {
    assert.equal(podTaskQueue('q'), 'q');
    assert.equal(podTaskQueue('q', {}), 'q');
  });
  it('names the selector with sorted keys, whatever the manifest order', () => {
    assert.equal(podTaskQueue('q', { zone: 'a', disk: 'ssd' }), 'q@disk=ssd,zone=a');
    assert.equal(podTaskQueue('q', { disk: 'ssd', zone: 'a' }), 'q@disk=ssd,zone=a');
    assert.equal(podTaskQueue('q', { 'kubernetes.io/arch': 'amd64' }), 'q@kubernetes.io/arch=amd64');
  });
});

describe('nodeTaskQueues', () => {
  it('is the base queue alone without labels', () => {
    assert.deepEqual(nodeTaskQueues('q', {}), ['q']);
  });
  it('lists the base queue and one queue per non-empty subset of the labels', () => {
    assert.deepEqual(nodeTaskQueues('q', { zone: 'a', disk: 'ssd' }), ['q', 'q@disk=ssd', 'q@zone=a', 'q@disk=ssd,zone=a']);
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, `v${i}`]));
    const queues = nodeTaskQueues('q', six);
    assert.equal(queues.length, 64);
    assert.equal(new Set(queues).size, 64);
  });
  it('contains exactly the queues of the selectors that are subsets of the labels', () => {
    const labels = { zone: 'a', disk: 'ssd', arch: 'amd64' };
    const queues = new Set(nodeTaskQueues('q', labels));
    assert.ok(queues.has(podTaskQueue('q', { arch: 'amd64', zone: 'a' })));
    assert.ok(queues.has(podTaskQueue('q', labels)));
    assert.ok(!queues.has(podTaskQueue('q', { zone: 'b' })), 'a different value is not a subset');
    assert.ok(!queues.has(podTaskQueue('q', { ...labels, gpu: 'yes' })), 'a selector with a label the node lacks');
  });
  it(`refuses more than ${MAX_NODE_LABELS} labels with a clear message`, () => {
    const seven = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, 'v']));
    assert.throws(() => nodeTaskQueues('q', seven), /at most 6 node labels .*128 queues for 7 labels/);
  });
});

describe('parseNodeLabels', () => {
  it('reads k=v,k2=v2 with spaces and empty values', () => {
    assert.deepEqual(parseNodeLabels('disk=ssd, zone=a,empty='), { disk: 'ssd', zone: 'a', empty: '' });
  });
  it('rejects a label without key or with two =', () => {
    assert.throws(() => parseNodeLabels('disk'), /"disk" is not of the form key=value/);
    assert.throws(() => parseNodeLabels('=x'), /not of the form key=value/);
    assert.throws(() => parseNodeLabels('a=b=c'), /more than one "="/);
    assert.throws(() => parseNodeLabels('a=1,a=2'), /given twice/);
  });
});

function pod(name: string, script: string): RunPodInput {
  return {
    namespace: 'default',
    jobName: 'route',
    jobUid: 'uid-route',
    podName: name,
    restartCount: 0,
    labels: {},
    annotations: {},
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }] },
  };
}

describe('a worker with node labels (real dev server)', { timeout: 120_000 }, () => {
  let env: TestWorkflowEnvironment;
  let bundle: { codePath: string };
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-worker-queues-'));
  before(async () => {
    [env, bundle] = await Promise.all([
      createLocalEnv(),
      cachedTestBundle(require.resolve('./helpers/route-workflow')),
    ]);
  });
  after(async () => {
    await env?.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs pods whose nodeSelector its labels satisfy, one at a time over all queues, and no others', async () => {
    const taskQueue = `route-${process.pid}`;
    const worker = await createJobWorker({
      connection: env.nativeConnection,
      taskQueue,
      dataDir: home,
      workflowBundle: bundle,
      nodeLabels: { zone: 'a', disk: 'ssd' },
      maxConcurrentPods: 1,
      identity: 'labelled',
      log: () => undefined,
    });
    assert.deepEqual(worker.taskQueues, [taskQueue, `${taskQueue}@disk=ssd`, `${taskQueue}@zone=a`, `${taskQueue}@disk=ssd,zone=a`]);
    const pods: RoutedPod[] = [
      { input: pod('plain', 'echo plain; sleep 0.5') },
      { input: pod('ssd', 'echo ssd; sleep 0.5'), nodeSelector: { disk: 'ssd' } },
      { input: pod('both', 'echo both; sleep 0.5'), nodeSelector: { zone: 'a', disk: 'ssd' } },
      { input: pod('gpu', 'echo gpu'), nodeSelector: { gpu: 'yes' } },
      { input: pod('other-zone', 'echo other'), nodeSelector: { zone: 'b' } },
    ];
    const outcomes: RouteOutcome[] = await worker.runUntil(
      env.client.workflow.execute('routePods', { taskQueue, workflowId: `route-${Date.now()}`, args: [pods] }),
    );
    assert.equal(worker.getState(), 'STOPPED');

    const ran = outcomes.slice(0, 3).map((o, i) => {
      assert.ok(o.ok, `pod ${pods[i].input.podName} ran: ${JSON.stringify(o)}`);
      return o.result;
    });
    assert.deepEqual(
      ran.map((r) => [r.phase, r.worker, r.containers[0].logTail]),
      [
        ['Succeeded', 'labelled', 'plain\n'],
        ['Succeeded', 'labelled', 'ssd\n'],
        ['Succeeded', 'labelled', 'both\n'],
      ],
    );
    // maxConcurrentPods 1 holds across the queues: the runs do not overlap.
    const spans = ran.map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `pod runs overlap: ${JSON.stringify(spans)}`);

    for (const o of outcomes.slice(3)) {
      assert.ok(!o.ok, 'a pod whose selector the labels do not satisfy never runs here');
      assert.match(o.failure, /ScheduleToStart timeout/);
    }
  });
});
