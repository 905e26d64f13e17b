// Time-skipping workflow tests of the Job controller's behaviour, end to end: the real `job`
// workflow, real shell pods, virtual time for timers. Section numbers refer to JOB-SEMANTICS.md.
// Pods run in real time (virtual time does not skip while a pod runs), so they are kept short.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { JobRun } from '../src/testing';
import { makeJob, shellContainer } from './helpers/jobs';
import { assertGap, byCreation, maxOverlap, ms, until, useJobEnvironment, SUFFIX } from './helpers/runs';

const COMPLETE = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
const BACKOFF_LIMIT = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };

function conditionsOf(run: JobRun): string[] {
  return run.status.conditions.map((c) => `${c.type}=${c.status}/${c.reason}/${c.message}`);
}

/** One Normal SuccessfulCreate "Created pod: <name>" per pod, stamped with the pod's creation (6.4). */
function assertCreateEvents(run: JobRun, events: JobRun['events']): void {
  assert.equal(events.length, run.pods.length);
  const byName = new Map(run.pods.map((p) => [p.name, p]));
  for (const e of events) {
    assert.deepEqual([e.type, e.reason, e.count], ['Normal', 'SuccessfulCreate', 1]);
    const name = /^Created pod: (.*)$/.exec(e.message)?.[1];
    const pod = byName.get(name ?? '');
    assert.ok(pod, `event "${e.message}" names a pod of the Job`);
    byName.delete(pod.name);
    assert.equal(e.firstTimestamp, pod.creationTimestamp);
  }
}

function eventsOf(run: JobRun) {
  for (const e of run.events) assert.equal(e.count, 1, `event ${e.reason} was folded`);
  return run.events.map((e) => ({ type: e.type, reason: e.reason, message: e.message }));
}

// A broken controller can make a Job run forever: fail the test instead of hanging the suite.
describe('Job controller behaviour on the time-skipping server', { timeout: 120_000 }, () => {
  const ctx = useJobEnvironment('behaviour', { sharedWorker: 'cached' });

  describe('fixed completion count (2.4)', () => {
    it('completions 5, parallelism 2: five pods, never more than two at once, events in order (6.4)', async () => {
      const run = await ctx.run(makeJob('five-by-two', { completions: 5, parallelism: 2 }, [shellContainer('sleep 0.5')]));
      assert.deepEqual(run.outcome, COMPLETE);
      assert.deepEqual(conditionsOf(run), [
        'SuccessCriteriaMet=True/CompletionsReached/Reached expected number of succeeded pods',
        'Complete=True/CompletionsReached/Reached expected number of succeeded pods',
      ]);
      assert.equal(run.status.succeeded, 5);
      assert.equal(run.status.failed, 0);
      assert.equal(run.status.active, 0);
      assert.equal(run.pods.length, 5);
      for (const p of run.pods) {
        assert.match(p.name, new RegExp(`^five-by-two-${SUFFIX}$`));
        assert.equal(p.phase, 'Succeeded');
      }
      assert.equal(new Set(run.pods.map((p) => p.name)).size, 5);
      assert.equal(maxOverlap(run.pods), 2, 'two pods ran at once, and never three');
      assert.equal(maxOverlap(run.pods, 'creationTimestamp'), 2, 'never more than two pods existed at once');
      // The third pod is created only once one of the first two has succeeded.
      const [a, b, c] = byCreation(run.pods);
      assert.ok(ms(c.creationTimestamp) >= Math.min(ms(a.finishedAt), ms(b.finishedAt)));
      assert.equal(run.status.completionTime, run.status.conditions[1].lastTransitionTime);
      assertCreateEvents(run, run.events.slice(0, -1));
      assert.deepEqual(eventsOf(run).at(-1), { type: 'Normal', reason: 'Completed', message: 'Job completed' });
      assert.equal(run.events.at(-1)?.firstTimestamp, run.status.completionTime);
    });

    it('parallelism 10, completions 3: exactly three pods, all at once', async () => {
      const run = await ctx.run(makeJob('ten-for-three', { completions: 3, parallelism: 10 }, [shellContainer('sleep 0.3')]));
      assert.deepEqual(run.outcome, COMPLETE);
      assert.equal(run.pods.length, 3);
      assert.equal(run.status.succeeded, 3);
      assert.equal(new Set(run.pods.map((p) => p.creationTimestamp)).size, 1, 'created in one sync');
      assert.equal(maxOverlap(run.pods), 3);
    });
  });

  describe('work-queue mode (2.5)', () => {
    it('creates nothing after the first success; later failures still count; Complete', async () => {
      const { dir } = ctx.scratch;
      // The first pod to claim the work succeeds at once; the others fail a moment later.
      const script = `if mkdir ${dir}/claimed 2>/dev/null; then echo worked; exit 0; fi; sleep 0.5; echo nothing; exit 1`;
      const run = await ctx.run(makeJob('queue', { completions: null, parallelism: 3 }, [shellContainer(script)]));
      assert.deepEqual(run.outcome, COMPLETE);
      assert.equal(run.pods.length, 3, 'no pod created after the first success, not even replacements');
      assert.equal(run.status.succeeded, 1);
      assert.equal(run.status.failed, 2);
      const winner = run.pods.find((p) => p.phase === 'Succeeded')!;
      for (const p of run.pods.filter((p) => p !== winner)) {
        assert.equal(p.phase, 'Failed');
        assert.ok(ms(p.finishedAt) > ms(winner.finishedAt), 'the failures came after the success');
      }
      assert.deepEqual(eventsOf(run).map((e) => e.reason), ['SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate', 'Completed']);
    });

    it('failures after the first success still count against backoffLimit (2.5, B4)', async () => {
      const { dir } = ctx.scratch;
      const script = `if mkdir ${dir}/claimed 2>/dev/null; then exit 0; fi; sleep 0.5; exit 1`;
      const run = await ctx.run(makeJob('queue-strict', { completions: null, parallelism: 3, backoffLimit: 1 }, [shellContainer(script)]));
      assert.deepEqual(run.outcome, BACKOFF_LIMIT);
      assert.equal(run.pods.length, 3);
      assert.equal(run.status.succeeded, 1);
      assert.equal(run.status.failed, 2);
      assert.equal(run.status.completionTime, undefined);
    });

    it('replaces failed pods while nothing has succeeded, after the backoff delay', async () => {
      const { dir } = ctx.scratch;
      // Attempts 1 and 2 fail, every later one succeeds (mkdir claims are atomic).
      const script = `i=1; while ! mkdir ${dir}/attempt-$i 2>/dev/null; do i=$((i+1)); done; echo attempt $i; [ $i -ge 3 ]`;
      const run = await ctx.run(makeJob('queue-retry', { completions: null, parallelism: 2 }, [shellContainer(script)]));
      assert.deepEqual(run.outcome, COMPLETE);
      assert.equal(run.pods.length, 4);
      assert.equal(run.status.failed, 2);
      assert.equal(run.status.succeeded, 2);
      const [first, second, third, fourth] = byCreation(run.pods);
      assert.deepEqual([first.phase, second.phase, third.phase, fourth.phase], ['Failed', 'Failed', 'Succeeded', 'Succeeded']);
      assert.equal(third.creationTimestamp, fourth.creationTimestamp, 'both replacements in one sync');
      // Two failures: the delay is 20 s after the later one (2.6).
      const lastFailure = Math.max(ms(first.finishedAt), ms(second.finishedAt));
      assertGap(ms(third.creationTimestamp) - lastFailure, 20_000, 'replacement delay');
    });
  });

  describe('completions 0 and parallelism 0 (2.12)', () => {
    it('completions 0 is Complete at once with no pods', async () => {
      const run = await ctx.run(makeJob('nothing-to-do', { completions: 0, parallelism: 1 }));
      assert.deepEqual(run.outcome, COMPLETE);
      assert.equal(run.pods.length, 0);
      assert.equal(run.status.succeeded, 0);
      assert.equal(run.status.active, 0);
      assert.ok(run.status.startTime);
      assert.equal(run.status.completionTime, run.status.startTime);
      assert.deepEqual(eventsOf(run), [{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
    });

    it('parallelism 0 stays active with no pods and no condition until cancelled', async () => {
      const job = await ctx.env.start(makeJob('paused', { completions: 2, parallelism: 0 }));
      // Wait for the first sync, then let an hour of virtual time pass.
      let status = await job.status();
      while (status.startTime === undefined) status = await job.status();
      await ctx.env.env.sleep('1 hour');
      status = await job.status();
      assert.deepEqual(
        { active: status.active, ready: status.ready, succeeded: status.succeeded, failed: status.failed, conditions: status.conditions },
        { active: 0, ready: 0, succeeded: 0, failed: 0, conditions: [] },
      );
      assert.equal((await job.pods()).total, 0);
      assert.deepEqual(await job.events(), []);
      await job.handle.cancel();
      const err = await job.result().then(
        () => assert.fail('a cancelled Job has no result'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
    });
  });

  describe('pod-failure backoff (2.6, section A)', () => {
    it('waits 10, 20, 40, 80, 160, 320 s, then the 6-minute cap, between replacements', async () => {
      const run = await ctx.run(makeJob('capped', { backoffLimit: 7 }, [shellContainer('exit 1')]));
      assert.deepEqual(run.outcome, BACKOFF_LIMIT);
      assert.equal(run.pods.length, 8);
      assert.equal(run.status.failed, 8);
      const expected = [10, 20, 40, 80, 160, 320, 360].map((s) => s * 1000);
      for (let i = 1; i < run.pods.length; i++) {
        const gap = ms(run.pods[i].creationTimestamp) - ms(run.pods[i - 1].finishedAt);
        assertGap(gap, expected[i - 1], `gap before pod ${i + 1}`);
      }
      const failed = run.status.conditions.find((c) => c.type === 'Failed')!;
      // The pods themselves run in real time (longer on a loaded machine): the rest of the Job's run is
      // the backoff waits, nothing more.
      const podTime = run.pods.reduce((sum, p) => sum + ms(p.finishedAt) - ms(p.creationTimestamp), 0);
      assertGap(ms(failed.lastTransitionTime) - ms(run.status.startTime) - podTime, expected.reduce((a, b) => a + b), 'virtual run time outside pods', 5_000);
    });
  });

  describe('podReplacementPolicy (2.13)', () => {
    it('podReplacementPolicy Failed waits for a terminating pod; TerminatingOrFailed replaces it at once (2.13)', async () => {
      for (const policy of ['Failed', 'TerminatingOrFailed'] as const) {
        const started = await ctx.env.start(
          makeJob(`replace-${policy.toLowerCase()}`, { completions: 2, parallelism: 2, podReplacementPolicy: policy }, [
            shellContainer("trap 'sleep 2; exit 0' TERM; sleep 1000 & wait"),
          ]),
        );
        await until('two pods', async () => ((await started.status()).ready === 2 ? true : undefined));
        await started.scale({ parallelism: 1 });
        const after = await started.scale({ parallelism: 2 });
        assert.equal(after.status.terminating, 1, policy);
        assert.equal(after.status.active, policy === 'Failed' ? 1 : 2, policy);
        if (policy === 'Failed') {
          const s = await until('the replacement', async () => {
            const x = await started.status();
            return x.terminating === 0 && x.active === 2 ? x : undefined;
          });
          assert.equal(s.failed, 0);
        }
        await started.delete();
      }
    });
  });
});
