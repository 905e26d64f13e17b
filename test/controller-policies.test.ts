// The controller's policies, by the letter of JOB-SEMANTICS 2.9, 2.11-2.13, 3, 4 and 5: pure and fast.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apply, applySpecChange, podIdentity } from '../src/controller';
import type { JobSpec, PodFailurePolicyRule } from '../src/api/types';
import { makeJob } from './helpers/jobs';
import { Sim, T0 } from './helpers/sim';

function indexed(name: string, spec: Partial<JobSpec>): Sim {
  return new Sim(makeJob(name, { completionMode: 'Indexed', ...spec }));
}

const RULES_4_3: PodFailurePolicyRule[] = [
  { action: 'Ignore', onExitCodes: { operator: 'In', values: [1, 2, 3] } },
  { action: 'FailJob', onExitCodes: { operator: 'In', values: [5, 6, 7] } },
];

function withPolicy(name: string, rules: PodFailurePolicyRule[], spec: Partial<JobSpec> = {}): Sim {
  return new Sim(makeJob(name, { podFailurePolicy: { rules }, podReplacementPolicy: 'Failed', ...spec }));
}

describe('backoffLimitPerIndex and maxFailedIndexes (3)', () => {
  it('retries an index backoffLimitPerIndex times with its own backoff, then fails it; the Job fails with FailedIndexes once every index ended', () => {
    const sim = indexed('bpi', { completions: 3, parallelism: 3, backoffLimitPerIndex: 1, backoffLimit: 2147483647 });
    sim.sync();
    assert.equal(sim.status().failedIndexes, '', 'set but empty while no index failed');
    const first = sim.podOf(1);
    sim.now += 1000;
    sim.exits(first, { main: 1 });
    const { decisions, wakeAt, wakeFor } = sim.sync();
    assert.deepEqual(decisions, [], 'index 1 waits for its own backoff');
    assert.equal(wakeAt, T0 + 1000 + 10_000);
    assert.equal(wakeFor, 'backoff 10s before retry 1 of index 1', 'the Web UI names the timer');
    sim.now = wakeAt!;
    const retry = sim.sync().decisions;
    assert.equal(retry.length, 1);
    assert.ok(retry[0].type === 'runPod' && retry[0].index === 1 && retry[0].indexFailureCount === 1);
    const annotations = podIdentity(sim.job, 1, { indexFailureCount: 1 }).annotations;
    assert.equal(annotations['batch.kubernetes.io/job-index-failure-count'], '1');
    sim.now += 1000;
    sim.exits(sim.podOf(1), { main: 1 });
    assert.deepEqual(sim.sync().decisions, [], 'a failed index is never retried');
    assert.equal(sim.status().failedIndexes, '1');
    assert.deepEqual(sim.conditions(), [], 'other indexes keep running');
    sim.exits(sim.podOf(0), { main: 0 });
    sim.exits(sim.podOf(2), { main: 0 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/FailedIndexes', 'Failed/FailedIndexes']);
    assert.equal(sim.state.conditions[1].message, 'Job has failed indexes');
    const s = sim.status();
    assert.deepEqual([s.completedIndexes, s.failedIndexes, s.succeeded, s.failed], ['0,2', '1', 2, 2]);
  });

  it('backoffLimitPerIndex 0 allows one attempt; more failed indexes than maxFailedIndexes fails the Job at once and kills the rest', () => {
    const sim = indexed('mfi', { completions: 4, parallelism: 4, backoffLimitPerIndex: 0, maxFailedIndexes: 1, backoffLimit: 2147483647 });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 1 });
    assert.equal(sim.sync().decisions.length, 0);
    assert.deepEqual(sim.conditions(), []);
    sim.exits(sim.podOf(1), { main: 1 });
    const { decisions } = sim.sync();
    assert.deepEqual(decisions.map((d) => d.type), ['deletePod', 'deletePod']);
    assert.deepEqual(sim.conditions(), ['FailureTarget/MaxFailedIndexesExceeded']);
    assert.equal(sim.state.conditions[0].message, 'Job has exceeded the specified maximal number of failed indexes');
    for (const d of decisions) sim.cancelled(d.pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/MaxFailedIndexesExceeded', 'Failed/MaxFailedIndexesExceeded']);
    assert.equal(sim.status().failedIndexes, '0,1');
    assert.equal(sim.status().failed, 4, 'pods killed because the Job failed count as failed');
  });

  it('an explicitly set backoffLimit still applies across indexes', () => {
    const sim = indexed('bl', { completions: 3, parallelism: 3, backoffLimitPerIndex: 5, backoffLimit: 1, backoffLimitSet: true });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 1 });
    sim.exits(sim.podOf(1), { main: 1 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded']);
  });
});

describe('podFailurePolicy (4)', () => {
  it('FailJob: the exact message, the failure counted, the other pods killed and counted', () => {
    const sim = withPolicy('pfp', RULES_4_3, { parallelism: 2, completions: 2 });
    sim.sync();
    const [a] = sim.running();
    sim.exits(a, { main: 5 });
    const { decisions } = sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/PodFailurePolicy']);
    assert.equal(sim.state.conditions[0].message, `Container main for pod default/${a} failed with exit code 5 matching FailJob rule at index 1`);
    assert.equal(decisions.length, 1);
    sim.cancelled(decisions[0].pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/PodFailurePolicy', 'Failed/PodFailurePolicy']);
    assert.equal(sim.status().failed, 2);
  });

  it('rules are checked in order: exits 2 and 6 match the Ignore rule first; ignored failures are not counted but delay re-creation', () => {
    const sim = withPolicy('ign', RULES_4_3, { backoffLimit: 0 });
    sim.sync();
    sim.now += 500;
    sim.exits(sim.running()[0], { main: 2, side: 6 });
    const { decisions, wakeAt } = sim.sync();
    assert.deepEqual(sim.conditions(), [], 'backoffLimit 0 is not reached by an ignored failure');
    assert.equal(sim.status().failed, 0);
    assert.deepEqual(decisions, []);
    assert.equal(wakeAt, T0 + 500 + 10_000, 'the ignored failure still lengthens the backoff (2.6)');
    assert.equal(sim.state.finishedPods[0].podFailurePolicyAction, 'Ignore');
  });

  it('no rule matches exit 10: default handling counts it', () => {
    const sim = withPolicy('cnt', RULES_4_3, { backoffLimit: 0 });
    sim.sync();
    sim.exits(sim.running()[0], { main: 10 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
  });

  it('containerName restricts a rule: monitoring exits 5 and main 42 match nothing', () => {
    const rules: PodFailurePolicyRule[] = [
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [1, 2, 3] } },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [5, 6, 7] } },
    ];
    const sim = withPolicy('cn', rules, { backoffLimit: 3 });
    sim.sync();
    sim.exits(sim.running()[0], { monitoring: 5, main: 42 });
    sim.sync();
    assert.deepEqual(sim.conditions(), []);
    assert.equal(sim.status().failed, 1);
  });

  it('NotIn never matches exit code 0, and init containers are looked at after the containers', () => {
    const rules: PodFailurePolicyRule[] = [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [3] } }];
    const sim = withPolicy('init', rules);
    sim.sync();
    const [pod] = sim.running();
    sim.exits(pod, { 'init:setup': 4, main: 0 });
    sim.sync();
    assert.equal(sim.state.conditions[0].message, `Container setup for pod default/${pod} failed with exit code 4 matching FailJob rule at index 0`);
  });

  // Moved from workflow-policies (time-skipping server): an init container's failure reaches the
  // controller as the activity reports it (activity-run-pod: only the failed init container, main never
  // runs), and the rule matching is the controller's.
  it('onExitCodes looks at init containers too, and containerName restricts a rule to the container it names', () => {
    const sim = withPolicy('pfp-init', [
      { action: 'Ignore', onExitCodes: { containerName: 'main', operator: 'In', values: [4] } },
      { action: 'FailJob', onExitCodes: { containerName: 'setup', operator: 'NotIn', values: [1] } },
    ], { backoffLimit: 0 });
    sim.sync();
    const [pod] = sim.running();
    sim.exits(pod, { 'init:setup': 4 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/PodFailurePolicy', 'Failed/PodFailurePolicy']);
    assert.equal(sim.state.conditions[1].message, `Container setup for pod default/${pod} failed with exit code 4 matching FailJob rule at index 1`);
  });

  // Moved from workflow-policies: activity-isolation shows a container over its memory limit ends
  // OOMKilled with exit code 137; here, what onExitCodes makes of that result.
  it('an OOMKilled container (exit code 137) matches onExitCodes 137 as on Kubernetes: FailJob at the first failure', () => {
    const sim = withPolicy('pfp-oom', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [137] } }], { backoffLimit: 3 });
    sim.sync();
    const [pod] = sim.running();
    apply(sim.job, sim.state, {
      type: 'podFinished',
      pod,
      at: sim.now,
      result: { phase: 'Failed', containers: [{ name: 'main', init: false, exitCode: 137, reason: 'OOMKilled', startedAt: '', finishedAt: '', logTail: '', logTruncated: false }] },
    });
    const { decisions } = sim.sync();
    assert.deepEqual(decisions, [], 'no replacement despite backoffLimit 3');
    assert.deepEqual(sim.conditions(), ['FailureTarget/PodFailurePolicy', 'Failed/PodFailurePolicy']);
    assert.equal(sim.state.conditions[1].message, `Container main for pod default/${pod} failed with exit code 137 matching FailJob rule at index 0`);
    assert.equal(sim.state.pods.length + sim.state.finishedPods.length, 1, 'one pod in all');
  });

  it('onPodConditions DisruptionTarget: a lost worker can be ignored, or fail the Job with the condition message', () => {
    const ignore = withPolicy('dis', [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }], { backoffLimit: 0 });
    ignore.sync();
    ignore.disrupted(ignore.running()[0]);
    ignore.sync();
    assert.equal(ignore.status().failed, 0);
    assert.deepEqual(ignore.conditions(), []);

    const failJob = withPolicy('dis2', [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }]);
    failJob.sync();
    const [pod] = failJob.running();
    failJob.disrupted(pod);
    failJob.sync();
    assert.equal(failJob.state.conditions[0].message, `Pod default/${pod} has condition DisruptionTarget matching FailJob rule at index 0`);
  });

  it('FailIndex fails the index at once; the Job goes on with the other indexes', () => {
    const sim = new Sim(
      makeJob('fi', {
        completionMode: 'Indexed',
        completions: 2,
        parallelism: 2,
        backoffLimitPerIndex: 3,
        backoffLimit: 2147483647,
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] },
        podReplacementPolicy: 'Failed',
      }),
    );
    sim.sync();
    sim.exits(sim.podOf(0), { main: 42 });
    sim.sync();
    assert.equal(sim.status().failedIndexes, '0');
    assert.deepEqual(sim.runningIndexes(), [1]);
    sim.exits(sim.podOf(1), { main: 0 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/FailedIndexes', 'Failed/FailedIndexes']);
  });
});

describe('successPolicy (5) and precedence (2.9)', () => {
  it('succeededIndexes "0": lingering pods are killed and not counted; Complete with SuccessPolicy after they are gone', () => {
    const sim = indexed('sp', { completions: 5, parallelism: 5, successPolicy: { rules: [{ succeededIndexes: '0' }] } });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 0 });
    const { decisions } = sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/SuccessPolicy']);
    assert.equal(sim.state.conditions[0].message, 'Matched rules at index 0');
    assert.equal(decisions.length, 4);
    assert.equal(sim.status().terminating, 4);
    for (const d of decisions) sim.cancelled(d.pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
    const s = sim.status();
    assert.deepEqual([s.completedIndexes, s.succeeded, s.failed, s.active, s.terminating], ['0', 1, 0, 0, 0]);
    assert.ok(s.completionTime);
  });

  it('succeededIndexes with succeededCount counts only indexes inside the set (TYPES example: "1-4", 3, {1,3,5} is not met)', () => {
    const sim = indexed('spc', { completions: 6, parallelism: 6, successPolicy: { rules: [{ succeededIndexes: '1-4', succeededCount: 3 }, { succeededCount: 4 }] } });
    sim.sync();
    for (const i of [1, 3, 5]) sim.exits(sim.podOf(i), { main: 0 });
    sim.sync();
    assert.deepEqual(sim.conditions(), []);
    sim.exits(sim.podOf(2), { main: 0 });
    sim.sync();
    assert.equal(sim.state.conditions[0].message, 'Matched rules at index 0');
  });

  it('a failure and a matching success policy in the same sync: the failure wins', () => {
    const sim = indexed('both', { completions: 3, parallelism: 3, backoffLimit: 0, successPolicy: { rules: [{ succeededCount: 1 }] } });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 0 });
    sim.exits(sim.podOf(1), { main: 1 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded']);
  });

  it('SuccessCriteriaMet is sticky: a later failure does not turn it into a failure', () => {
    const sim = indexed('sticky', { completions: 3, parallelism: 3, backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 0 });
    const { decisions } = sim.sync();
    // A lingering pod fails on its own before its deletion lands.
    sim.exits(decisions[0].pod, { main: 1 });
    sim.cancelled(decisions[1].pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
  });

  it('FailureTarget is sticky: a success policy met later does not complete the Job', () => {
    const sim = indexed('ft', { completions: 2, parallelism: 2, backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '1' }] } });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 1 });
    const { decisions } = sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded']);
    sim.exits(decisions[0].pod, { main: 0 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
  });

  it('completions reached while the policy matches: the reason is SuccessPolicy', () => {
    const sim = indexed('all', { completions: 1, parallelism: 1, successPolicy: { rules: [{ succeededCount: 1 }] } });
    sim.sync();
    sim.exits(sim.podOf(0), { main: 0 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
  });

  it('FailJob wins over backoffLimit in the same sync', () => {
    const sim = withPolicy('fjbl', RULES_4_3, { backoffLimit: 0 });
    sim.sync();
    sim.exits(sim.running()[0], { main: 6 });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/PodFailurePolicy', 'Failed/PodFailurePolicy']);
  });
});

describe('suspend, scale, delete, podReplacementPolicy (2.11-2.14)', () => {
  it('suspend kills pods without counting them; resume resets startTime and the deadline', () => {
    const sim = new Sim(makeJob('sus', { parallelism: 2, completions: 4, activeDeadlineSeconds: 100 }));
    sim.sync();
    sim.now += 60_000;
    sim.job.spec.suspend = true;
    const { decisions, wakeAt } = sim.sync();
    assert.equal(decisions.length, 2);
    assert.equal(wakeAt, undefined, 'no deadline while suspended');
    for (const d of decisions) sim.cancelled(d.pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['Suspended/JobSuspended']);
    assert.deepEqual([sim.status().failed, sim.status().succeeded, sim.status().active], [0, 0, 0]);
    sim.now += 500_000;
    sim.job.spec.suspend = false;
    const resumed = sim.sync();
    assert.equal(resumed.decisions.length, 2);
    assert.equal(sim.status().startTime, new Date(sim.now).toISOString());
    assert.equal(resumed.wakeAt, sim.now + 100_000, 'the deadline restarts from the resume');
    assert.deepEqual(sim.state.events.map((e) => e.reason).filter((r) => r === 'Suspended' || r === 'Resumed'), ['Suspended', 'Resumed']);
    assert.equal(sim.state.conditions.find((c) => c.type === 'Suspended')?.status, 'False');
  });

  it('podReplacementPolicy Failed: a pod being deleted by scale-down is not replaced until it is gone; TerminatingOrFailed replaces at once', () => {
    for (const [policy, createdWhileTerminating] of [['Failed', 0], ['TerminatingOrFailed', 1]] as const) {
      const sim = indexed(`rp-${policy.toLowerCase()}`, { completions: 3, parallelism: 2, podReplacementPolicy: policy });
      sim.sync();
      // Elastic scale-down to 1 and back up: index 1 is terminating meanwhile.
      sim.job.spec.parallelism = 1;
      const down = sim.sync().decisions;
      assert.equal(down.length, 1);
      sim.job.spec.parallelism = 2;
      const up = sim.sync().decisions.filter((d) => d.type === 'runPod');
      assert.equal(up.length, createdWhileTerminating, policy);
      assert.equal(sim.status().terminating, 1);
      sim.cancelled(down[0].pod);
      assert.equal(sim.status().failed, 0, 'scale-down deletions are not failures');
    }
  });

  it('elastic Indexed scale-down drops completed indexes at or above the new completions', () => {
    const sim = indexed('el', { completions: 6, parallelism: 6 });
    sim.sync();
    for (const i of [0, 4, 5]) sim.exits(sim.podOf(i), { main: 0 });
    sim.sync();
    assert.equal(sim.status().succeeded, 3);
    const before = { ...sim.job.spec };
    sim.job.spec = { ...sim.job.spec, completions: 3, parallelism: 3 };
    applySpecChange(before, sim.job.spec, sim.state);
    const { decisions } = sim.sync();
    assert.equal(sim.status().succeeded, 1);
    assert.equal(sim.status().completedIndexes, '0');
    assert.deepEqual(decisions.map((d) => d.type), ['deletePod'], 'index 3 is out of range now');
  });

  it('delete takes every pod down without counting and sets no condition', () => {
    const sim = new Sim(makeJob('del', { parallelism: 3, completions: 3 }));
    sim.sync();
    sim.state.deletionTimestamp = new Date(sim.now).toISOString();
    const { decisions } = sim.sync();
    assert.equal(decisions.length, 3);
    for (const d of decisions) sim.cancelled(d.pod);
    sim.sync();
    assert.equal(sim.state.pods.length, 0);
    assert.deepEqual(sim.conditions(), []);
    assert.equal(sim.status().failed, 0);
  });
});


