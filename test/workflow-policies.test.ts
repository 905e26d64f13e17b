// backoffLimitPerIndex and success policy where real pods matter (JOB-SEMANTICS 2.9, 3, 5): the
// failure-count annotation seen through a fieldRef, pods killed when a policy ends the Job, a pod's own
// reaction to SIGTERM. Each rule's decision, reason and message is checked on the pure controller in
// controller-policies.test.ts; so are podFailurePolicy's init-container and OOMKilled cases, whose pod
// results come from the activity (activity-run-pod, activity-isolation) unchanged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { assertGap, byCreation, ms, useJobEnvironment } from './helpers/runs';

/** Index 0 runs `first`, every other index `rest` (JOB_COMPLETION_INDEX is in every container). */
function byIndex(first: string, rest: string): string {
  return `if [ "$JOB_COMPLETION_INDEX" = 0 ]; then ${first}; else ${rest}; fi`;
}

describe('policies on the time-skipping server', { timeout: 180_000 }, () => {
  const ctx = useJobEnvironment('policies', { sharedWorker: 'cached' });

  describe('backoffLimitPerIndex and maxFailedIndexes (3)', () => {
    it('index 1 gets backoffLimitPerIndex + 1 attempts with its failure count annotated, the others complete, then FailedIndexes', async () => {
      const script = [
        'echo "count=$FAILURES"',
        'if [ "$JOB_COMPLETION_INDEX" = 1 ]; then exit 1; fi',
        'exit 0',
      ].join('; ');
      const container = shellContainer(script);
      container.env = [{ name: 'FAILURES', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-index-failure-count']" } } }];
      const job = makeJob('per-index', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 1, backoffLimit: 2147483647 }, [container]);
      const run = await ctx.run(job);
      assert.deepEqual(run.outcome, { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' });
      assert.deepEqual([run.status.completedIndexes, run.status.failedIndexes, run.status.succeeded, run.status.failed], ['0,2', '1', 2, 2]);
      const ones = byCreation(run.pods.filter((p) => p.index === 1));
      assert.deepEqual(ones.map((p) => p.containers?.[0].logTail), ['count=0\n', 'count=1\n']);
      assertGap(ms(ones[1].creationTimestamp) - ms(ones[0].finishedAt), 10_000, 'per-index backoff');
    });

  });

  describe('successPolicy (5) and the precedence cases of 2.9', () => {
    it('succeededIndexes "0": lingering pods are killed, not counted, and leave no process; Complete with SuccessPolicy', async () => {
      const tok = token();
      const job = makeJob('sp-index', { completionMode: 'Indexed', completions: 5, parallelism: 5, successPolicy: { rules: [{ succeededIndexes: '0' }] } }, [
        shellContainer(byIndex('sleep 0.3; exit 0', `sleep 1000.${tok}`)),
      ]);
      const run = await ctx.run(job);
      assert.deepEqual(run.outcome, { type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
      const s = run.status;
      assert.deepEqual([s.completedIndexes, s.succeeded, s.failed, s.active, s.ready, s.terminating], ['0', 1, 0, 0, 0, 0]);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
      assert.ok(run.status.completionTime);
      assert.deepEqual(processesWith(tok), []);
    });

    it('SuccessCriteriaMet stays: a lingering pod that fails on SIGTERM does not turn the Job into a failure', async () => {
      const job = makeJob('sp-sticky', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } }, [
        shellContainer(byIndex('sleep 0.5; exit 0', "trap 'exit 1' TERM; sleep 1000 & wait")),
      ]);
      const run = await ctx.run(job);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
      assert.equal(run.pods.find((p) => p.index === 1)?.containers?.[0].exitCode, 1, 'the pod did exit 1');
      assert.equal(run.status.failed, 0);
    });

  });
});

