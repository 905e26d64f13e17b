// emptyDir dirs of pods that end without a run on this host: an OnFailure pod waits for its in-place
// restart with its volumes kept, the Job's activeDeadlineSeconds ends the Job during that wait, and the
// worker's sweeper removes the dir once Temporal says the pod is gone. Real time-skipping server, real
// worker, real pod processes (bubblewrap, emptyDir at its mountPath) and real files.
import { jobResultOf } from '../src/workflows/job-ending';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cgroupSupport, LocalPods, PodDirSweeper, podDir, readPodRecord, sandboxSupport, writePodRecord } from '../src/activities';
import { JobsClient } from '../src/client/jobs';
import type { PodRecord } from '../src/controller/state';
import { createTimeSkippingEnv } from '../src/dev/servers';
import { createJobWorker } from '../src/worker';
import { cachedWorkflowBundle, type WorkflowBundleFile } from '../src/workflow-bundle';
import type { JobResult, PodsPage } from '../src/workflows/messages';
import { makeJob, shellContainer } from './helpers/jobs';
import { until } from './helpers/runs';


describe('pod dir sweeper (time-skipping server)', { timeout: 120_000 }, () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleFile;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-sweeper-'));
  before(async () => {
    [env, bundle] = await Promise.all([createTimeSkippingEnv(), cachedWorkflowBundle()]);
  });
  after(async () => {
    await env?.teardown();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('removes the volumes of an OnFailure pod whose Job hit its deadline while the pod waited to restart', async (t) => {
    if (!(await sandboxSupport()).ok) return t.skip('emptyDir volumes need bubblewrap');
    const taskQueue = `sweep-${process.pid}`;
    const dataDir = path.join(home, 'deadline');
    const logs: string[] = [];
    const worker = await createJobWorker({
      connection: env.nativeConnection,
      taskQueue,
      dataDir,
      workflowBundle: bundle,
      maxCachedWorkflows: 0,
      sweepEveryMs: 250,
      log: (m) => logs.push(m),
    });
    const job = makeJob('sweep-deadline', {
      backoffLimit: 6,
      // Ends 8 s (workflow time) after the start: during the pod's 10 s crash-loop wait.
      activeDeadlineSeconds: 8,
      template: {
        spec: {
          restartPolicy: 'OnFailure',
          terminationGracePeriodSeconds: 2,
          volumes: [{ name: 'scratch', emptyDir: {} }],
          containers: [{ ...shellContainer('echo run >> /scratch/runs; exit 1'), volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }],
        },
      },
    });
    const jobs = new JobsClient(env.client, { taskQueue });

    const { pod, dir, result } = await worker.runUntil(async () => {
      const handle = await jobs.create(job);
      // Time stands still until something awaits the result, so the pod's first run ends in real time
      // and the pod then waits for its restart with nothing running.
      const pod = await until('the first run to fail', async () => {
        const page = await handle.query<PodsPage, [{ offset: number; limit: number }]>('pods', { offset: 0, limit: 10 });
        const p = page.items[0];
        return p && !p.running && p.containers?.length ? p : undefined;
      });
      const dir = podDir(dataDir, 'default', pod.name);
      assert.equal(fs.readFileSync(path.join(dir, 'volumes', 'scratch', 'runs'), 'utf8'), 'run\n', 'the volume is kept for the restart');
      assert.deepEqual(readPodRecord(dir), { namespace: 'default', pod: pod.name, workflowId: handle.workflowId, runId: (await handle.describe()).runId });
      // Several sweeps pass; the pod is alive (waiting for its restart), so its dir stays.
      await new Promise((r) => setTimeout(r, 1_500));
      assert.ok(fs.existsSync(path.join(dir, 'volumes', 'scratch', 'runs')), 'the sweeper keeps the dir of a pod that is still alive');

      const result = await jobResultOf(handle.result());
      await until('the sweeper to remove the pod dir', () => (fs.existsSync(dir) ? undefined : true), 15_000);
      return { pod, dir, result };
    });

    const failed = result.job.status.conditions.find((c) => c.type === 'Failed' && c.status === 'True');
    assert.equal(failed?.reason, 'DeadlineExceeded');
    const finalPod = result.pods.find((p: PodRecord) => p.name === pod.name);
    // One run only: restartCount counts the failure (as the kubelet does); no second run happened.
    assert.equal(finalPod?.restartCount, 1);
    assert.equal(finalPod?.previousContainers, undefined, 'the deadline came before the restart');
    assert.equal(finalPod?.containers?.[0].exitCode, 1);
    assert.ok(!fs.existsSync(dir));
    assert.deepEqual(logs.filter((m) => /sweep failed|cannot/.test(m)), []);
    // The pod's cgroup was kept for a later pod of this worker; its stop removes it.
    const cgroups = cgroupSupport();
    const left = cgroups.ok ? cgroups.bases.flatMap((b) => fs.readdirSync(b.dir).filter((n) => n.startsWith(`${process.pid}-`))) : [];
    assert.deepEqual(left, [], 'cgroups left behind by a worker that stopped');
  });

  it('removes dirs whose Job is gone, keeps dirs in use and dirs without an owner record', async () => {
    const dataDir = path.join(home, 'strays');
    const gone = podDir(dataDir, 'default', 'gone-0-abcde');
    writePodRecord(dataDir, { namespace: 'default', pod: 'gone-0-abcde', workflowId: 'job/default/never-existed', runId: '9b3c2f2e-0000-4000-8000-000000000000' });
    const inUse = podDir(dataDir, 'default', 'busy-0-abcde');
    writePodRecord(dataDir, { namespace: 'default', pod: 'busy-0-abcde', workflowId: 'job/default/never-existed', runId: '9b3c2f2e-0000-4000-8000-000000000000' });
    const unowned = podDir(dataDir, 'other', 'legacy-0-abcde');
    fs.mkdirSync(path.join(unowned, 'volumes', 'v'), { recursive: true });

    const localPods = new LocalPods();
    localPods.enter(inUse);
    const sweeper = new PodDirSweeper({ dataDir, client: env.client, localPods });
    const report = await sweeper.sweep();
    assert.deepEqual(report.removed, [gone]);
    assert.ok(!fs.existsSync(gone));
    assert.ok(fs.existsSync(inUse), 'a dir in use is never removed');
    assert.ok(fs.existsSync(unowned), 'a dir without pod.json is left alone');

    localPods.leave(inUse);
    assert.deepEqual((await sweeper.sweep()).removed, [inUse]);
    await sweeper.stop();
  });
});
