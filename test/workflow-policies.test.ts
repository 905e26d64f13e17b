// Pod failure policy, backoffLimitPerIndex and success policy with real shell pods on the time-skipping
// server (JOB-SEMANTICS 2.9, 3, 4, 5): each rule, action, reason and message, end to end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JobSpec, PodFailurePolicyRule } from '../src/api/types';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { assertGap, byCreation, ms, useJobEnvironment } from './helpers/runs';

const RULES_4_3: PodFailurePolicyRule[] = [
  { action: 'Ignore', onExitCodes: { operator: 'In', values: [1, 2, 3] } },
  { action: 'FailJob', onExitCodes: { operator: 'In', values: [5, 6, 7] } },
];

function policyJob(name: string, rules: PodFailurePolicyRule[], script: string, spec: Partial<JobSpec> = {}) {
  return makeJob(name, { podFailurePolicy: { rules }, podReplacementPolicy: 'Failed', ...spec }, [shellContainer(script)]);
}

/** Index 0 runs `first`, every other index `rest` (JOB_COMPLETION_INDEX is in every container). */
function byIndex(first: string, rest: string): string {
  return `if [ "$JOB_COMPLETION_INDEX" = 0 ]; then ${first}; else ${rest}; fi`;
}

describe('policies on the time-skipping server', { timeout: 180_000 }, () => {
  const ctx = useJobEnvironment('policies');

  describe('podFailurePolicy (4)', () => {
    it('FailJob on exit 5: reason PodFailurePolicy with the exact message; the other pod is killed and counted', async () => {
      const tok = token();
      const job = policyJob('pfp-failjob', RULES_4_3, byIndex('sleep 0.3; exit 5', `sleep 1000.${tok}`), {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
      });
      const run = await ctx.env.run(job);
      const failed = run.pods.find((p) => p.index === 0)!;
      assert.deepEqual(run.outcome, {
        type: 'Failed',
        reason: 'PodFailurePolicy',
        message: `Container main for pod default/${failed.name} failed with exit code 5 matching FailJob rule at index 1`,
      });
      assert.equal(run.status.failed, 2);
      assert.deepEqual(processesWith(tok), []);
      assert.ok(run.events.some((e) => e.type === 'Warning' && e.reason === 'PodFailurePolicy'));
    });

    it('Ignore on exit 2: not counted even with backoffLimit 0, but the replacement still waits 10 s', async () => {
      const marker = `${ctx.scratch.dir}/once`;
      const job = policyJob('pfp-ignore', RULES_4_3, `if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; exit 2`, { backoffLimit: 0 });
      const run = await ctx.env.run(job);
      assert.equal(run.outcome?.type, 'Complete');
      assert.equal(run.status.failed, 0);
      const [first, second] = byCreation(run.pods);
      assert.equal(first.podFailurePolicyAction, 'Ignore');
      assertGap(ms(second.creationTimestamp) - ms(first.finishedAt), 10_000, 'ignored failure -> replacement');
    });

    it('Count (and no match) fall back to backoffLimit', async () => {
      const job = policyJob('pfp-count', [{ action: 'Count', onExitCodes: { operator: 'In', values: [9] } }, ...RULES_4_3], 'exit 9', { backoffLimit: 1 });
      const run = await ctx.env.run(job);
      assert.equal(run.outcome?.reason, 'BackoffLimitExceeded');
      assert.equal(run.status.failed, 2);
      assert.deepEqual(run.pods.map((p) => p.podFailurePolicyAction), ['Count', 'Count']);
    });

    it('onExitCodes looks at init containers too, and containerName restricts a rule', async () => {
      const job = makeJob('pfp-init', {
        backoffLimit: 0,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onExitCodes: { containerName: 'main', operator: 'In', values: [4] } },
            { action: 'FailJob', onExitCodes: { containerName: 'setup', operator: 'NotIn', values: [1] } },
          ],
        },
      });
      job.spec.template.spec.initContainers = [shellContainer('exit 4', 'setup')];
      const run = await ctx.env.run(job);
      assert.equal(run.outcome?.reason, 'PodFailurePolicy');
      assert.equal(run.outcome?.message, `Container setup for pod default/${run.pods[0].name} failed with exit code 4 matching FailJob rule at index 1`);
    });
  });

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
      const run = await ctx.env.run(job);
      assert.deepEqual(run.outcome, { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' });
      assert.deepEqual([run.status.completedIndexes, run.status.failedIndexes, run.status.succeeded, run.status.failed], ['0,2', '1', 2, 2]);
      const ones = byCreation(run.pods.filter((p) => p.index === 1));
      assert.deepEqual(ones.map((p) => p.containers?.[0].logTail), ['count=0\n', 'count=1\n']);
      assertGap(ms(ones[1].creationTimestamp) - ms(ones[0].finishedAt), 10_000, 'per-index backoff');
    });

    it('more failed indexes than maxFailedIndexes fails the Job at once and kills what runs', async () => {
      const tok = token();
      const job = makeJob('max-failed', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 0, maxFailedIndexes: 0, backoffLimit: 2147483647 }, [
        shellContainer(byIndex('exit 3', `sleep 1000.${tok}`)),
      ]);
      const run = await ctx.env.run(job);
      assert.deepEqual(run.outcome, { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' });
      assert.equal(run.status.failedIndexes, '0');
      assert.equal(run.status.failed, 3);
      assert.deepEqual(processesWith(tok), []);
    });

    it('FailIndex marks the index failed on the first matching exit', async () => {
      const job = makeJob('fail-index', {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        backoffLimitPerIndex: 5,
        backoffLimit: 2147483647,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] },
      }, [shellContainer(byIndex('exit 42', 'exit 0'))]);
      const run = await ctx.env.run(job);
      assert.equal(run.outcome?.reason, 'FailedIndexes');
      assert.equal(run.pods.filter((p) => p.index === 0).length, 1, 'never retried');
      assert.equal(run.status.failedIndexes, '0');
    });
  });

  describe('successPolicy (5) and the precedence cases of 2.9', () => {
    it('succeededIndexes "0": lingering pods are killed, not counted, and leave no process; Complete with SuccessPolicy', async () => {
      const tok = token();
      const job = makeJob('sp-index', { completionMode: 'Indexed', completions: 5, parallelism: 5, successPolicy: { rules: [{ succeededIndexes: '0' }] } }, [
        shellContainer(byIndex('sleep 0.3; exit 0', `sleep 1000.${tok}`)),
      ]);
      const run = await ctx.env.run(job);
      assert.deepEqual(run.outcome, { type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
      const s = run.status;
      assert.deepEqual([s.completedIndexes, s.succeeded, s.failed, s.active, s.ready, s.terminating], ['0', 1, 0, 0, 0, 0]);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
      assert.ok(run.status.completionTime);
      assert.deepEqual(processesWith(tok), []);
    });

    it('completions reached while the policy matches: the reason is SuccessPolicy', async () => {
      const job = makeJob('sp-all', { completionMode: 'Indexed', completions: 2, parallelism: 2, successPolicy: { rules: [{ succeededCount: 2 }] } });
      const run = await ctx.env.run(job);
      assert.equal(run.outcome?.reason, 'SuccessPolicy');
    });

    it('SuccessCriteriaMet stays: a lingering pod that fails on SIGTERM does not turn the Job into a failure', async () => {
      const job = makeJob('sp-sticky', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } }, [
        shellContainer(byIndex('sleep 0.5; exit 0', "trap 'exit 1' TERM; sleep 1000 & wait")),
      ]);
      const run = await ctx.env.run(job);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
      assert.equal(run.pods.find((p) => p.index === 1)?.containers?.[0].exitCode, 1, 'the pod did exit 1');
      assert.equal(run.status.failed, 0);
    });

    it('FailureTarget stays: a success policy met while pods are killed does not complete the Job', async () => {
      const job = makeJob('ft-sticky', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '1' }] } }, [
        shellContainer(byIndex('sleep 0.5; exit 1', "trap 'exit 0' TERM; sleep 1000 & wait")),
      ]);
      const run = await ctx.env.run(job);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
      assert.equal(run.pods.find((p) => p.index === 1)?.containers?.[0].exitCode, 0, 'the killed pod did exit 0');
      assert.equal(run.status.failed, 2);
    });

    it('FailJob wins over backoffLimit when both apply to the same failure', async () => {
      const run = await ctx.env.run(policyJob('fj-vs-bl', RULES_4_3, 'exit 7', { backoffLimit: 0 }));
      assert.equal(run.outcome?.reason, 'PodFailurePolicy');
    });
  });
});

