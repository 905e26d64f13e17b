// Time-skipping workflow tests of disruptions (JOB-SEMANTICS section A "disruption"): a pod whose
// worker shuts down while it runs ends Failed with DisruptionTarget/WorkerLost, counts as failed,
// and is replaced on another worker.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { assertGap, byCreation, ms, useJobEnvironment, SUFFIX, until } from './helpers/runs';

// A broken controller can make a Job run forever: fail the test instead of hanging the suite.
describe('disruption: a worker shutting down under a running pod (section A)', { timeout: 120_000 }, () => {
  const ctx = useJobEnvironment('disruption');

  it('fails the pod with DisruptionTarget=True/WorkerLost and replaces it on a new worker', async () => {
    const pidFile = `${ctx.scratch.dir}/first.pid`;
    // The first pod leaves a file and sleeps; the replacement finds the file and succeeds. A pod's pids
    // may be those of its own PID namespace (bubblewrap): its sleep is found by a unique argument.
    const word = `1000.${token()}`;
    const script = `if [ -e ${pidFile} ]; then echo replacement; exit 0; fi; echo $$$$ > ${pidFile}; exec sleep ${word}`;
    const job = await ctx.env.start(makeJob('disrupted', {}, [shellContainer(script)]));

    // Worker 1 runs until the pod is up, then shuts down (runWorker returns once it has stopped).
    await ctx.env.runWorker(
      async () => {
        await until('the pod to be ready', async () => ((await job.status()).ready === 1 ? true : undefined));
        await until('the pod process', () => (processesWith(word).length > 0 ? true : undefined));
      },
      { identity: 'worker-1' },
    );
    assert.deepEqual(processesWith(word), [], 'the shutdown ended the pod process');

    const run = await ctx.env.runWorker(
      async () => {
        // Queries need a worker; before the 10 s backoff passes, the lost pod is counted and none runs.
        const midway = await job.status();
        assert.deepEqual([midway.active, midway.failed, midway.succeeded], [0, 1, 0]);
        return job.result();
      },
      { identity: 'worker-2' },
    );
    assert.equal(run.outcome?.type, 'Complete');
    assert.equal(run.status.succeeded, 1);
    assert.equal(run.status.failed, 1);
    assert.equal(run.pods.length, 2);
    const [lost, replacement] = byCreation(run.pods);
    for (const p of run.pods) assert.match(p.name, new RegExp(`^disrupted-${SUFFIX}$`));
    assert.notEqual(lost.name, replacement.name);

    assert.equal(lost.phase, 'Failed');
    assert.equal(lost.worker, 'worker-1');
    assert.equal(lost.reason, 'WorkerLost');
    assert.equal(lost.message, 'The worker running the pod shut down');
    assert.deepEqual(
      lost.conditions?.map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]),
      [['DisruptionTarget', 'True', 'WorkerLost', 'The worker running the pod shut down', lost.finishedAt]],
    );

    assert.equal(replacement.phase, 'Succeeded');
    assert.equal(replacement.worker, 'worker-2');
    assert.equal(replacement.containers?.[0].logTail, 'replacement\n');
    // A disruption is a pod failure: the replacement waits the 10 s backoff (2.6).
    assertGap(ms(replacement.creationTimestamp) - ms(lost.finishedAt), 10_000, 'replacement delay');
    assert.deepEqual(run.events.map((e) => e.reason), ['SuccessfulCreate', 'SuccessfulCreate', 'Completed']);
  });

  it('a disruption counts against backoffLimit like any pod failure', async () => {
    const pidFile = `${ctx.scratch.dir}/pid`;
    const job = await ctx.env.start(makeJob('disrupted-limit', { backoffLimit: 0 }, [shellContainer(`echo $$$$ > ${pidFile}; exec sleep 1000`)]));
    await ctx.env.runWorker(() => until('the pod to be ready', async () => ((await job.status()).ready === 1 && fs.existsSync(pidFile) ? true : undefined)), {
      identity: 'worker-1',
    });
    const run = await ctx.env.runWorker(() => job.result(), { identity: 'worker-2' });
    assert.deepEqual(run.outcome, { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    assert.equal(run.status.failed, 1);
    assert.equal(run.pods.length, 1);
    assert.equal(run.pods[0].conditions?.[0].reason, 'WorkerLost');
  });

  it('deletePod ends exactly that pod: its process goes, the other running pod is untouched', async () => {
    // Each pod run has a cancellation scope of its own (src/workflows/pod-dispatch.ts): cancelling one
    // must reach that pod's activity and no other. The replacements find the mark and succeed.
    const mark = `${ctx.scratch.dir}/delete-one`;
    const word = `1000.${token()}`;
    const job = makeJob('delete-one', { parallelism: 2, completions: 2 }, [shellContainer(`if [ -e ${mark} ]; then exit 0; fi; exec sleep ${word}`)]);
    const sleeps = () => processesWith(word).filter((p) => p.cmdline.startsWith('sleep '));
    const started = await ctx.env.start(job);
    const run = await ctx.env.runWorker(async () => {
      await until('both pod processes', () => (sleeps().length === 2 ? true : undefined));
      const { items } = await started.pods();
      assert.equal(items.length, 2);
      const [gone, kept] = items;
      fs.writeFileSync(mark, '');
      await started.deletePod(gone.name, { gracePeriodSeconds: 1 });
      // A cancellation that spread to the other pod would end its sleep within moments of this one's.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sleeps().length, 1, "only the deleted pod's process ended");
      const now = (await started.pods()).items;
      assert.equal(now.find((p) => p.name === gone.name)?.phase, 'Failed');
      const other = now.find((p) => p.name === kept.name);
      assert.equal(other?.phase, 'Running');
      assert.equal(other?.deletion, undefined);
      await started.deletePod(kept.name, { gracePeriodSeconds: 1 });
      assert.deepEqual(sleeps(), []);
      return started.result();
    });
    assert.equal(run.outcome?.type, 'Complete');
    // Deleted pods count as failed and are replaced (podReplacementPolicy TerminatingOrFailed).
    assert.deepEqual([run.status.failed, run.status.succeeded, run.pods.length], [2, 2, 4]);
  });

  it('an eviction (testing API evictPod) adds DisruptionTarget/EvictionByEvictionAPI, which podFailurePolicy can Ignore', async () => {
    const mark = `${ctx.scratch.dir}/evicted`;
    const word = `1000.${token()}`;
    // The pod ignores SIGTERM and its own grace period is an hour: the eviction's gracePeriodSeconds ends it.
    const job = makeJob(
      'evicted',
      { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }, podReplacementPolicy: 'Failed', backoffLimit: 0 },
      [shellContainer(`if [ -e ${mark} ]; then exit 0; fi; touch ${mark}; trap '' TERM; exec sleep ${word}`)],
    );
    job.spec.template.spec.terminationGracePeriodSeconds = 3600;
    const started = await ctx.env.start(job);
    const run = await ctx.env.runWorker(async () => {
      await until('the pod process', () => (processesWith(word).length > 0 ? true : undefined));
      const { items } = await started.pods();
      const evicted = await started.evictPod(items[0].name, { gracePeriodSeconds: 1 });
      assert.deepEqual(processesWith(word), [], 'the pod process is gone when evictPod resolves');
      assert.equal(evicted.podFailurePolicyAction, 'Ignore');
      await assert.rejects(started.deletePod(items[0].name), (err: Error & { cause?: Error }) => /^pods "evicted-\w{5}" not found/.test(err.cause?.message ?? ''));
      return started.result();
    });
    // backoffLimit 0: a counted failure would have failed the Job.
    assert.equal(run.outcome?.type, 'Complete');
    assert.deepEqual([run.status.failed, run.status.succeeded], [0, 1]);
    const [first] = byCreation(run.pods);
    assert.deepEqual(first.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [['DisruptionTarget', 'True', 'EvictionByEvictionAPI', 'Eviction API: evicting']]);
    assert.equal(first.phase, 'Failed');
  });
});
