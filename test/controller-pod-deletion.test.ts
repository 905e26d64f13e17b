// A pod deleted or evicted from outside (`jobctl delete pod`), counted as Kubernetes counts it
// (JOB-SEMANTICS 2.3, 2.6, 2.13, 4.1): pure controller tests, no server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apply, podDeletionProblem } from '../src/controller';
import type { JobSpec, PodFailurePolicyRule } from '../src/api/types';
import { makeJob } from './helpers/jobs';
import { Sim, T0 } from './helpers/sim';

function deletePod(sim: Sim, pod: string, opts: { gracePeriodSeconds?: number; eviction?: boolean } = {}): void {
  apply(sim.job, sim.state, { type: 'podDeleted', pod, at: sim.now, ...opts });
}

/** The deleted pod's run ends as a killed one does: its containers' result comes with the cancellation. */
function killed(sim: Sim, pod: string, exitCode = 143): void {
  apply(sim.job, sim.state, {
    type: 'podCancelled',
    pod,
    at: sim.now,
    result: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      containers: [{ name: 'main', init: false, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: '', finishedAt: '', logTail: '', logTruncated: false }],
    },
  });
}

function counts(sim: Sim): { active: number; terminating: number; failed: number; succeeded: number } {
  const { active, terminating = 0, failed, succeeded } = sim.status();
  return { active, terminating, failed, succeeded };
}

const withPolicy = (rules: PodFailurePolicyRule[], spec: Partial<JobSpec> = {}) =>
  new Sim(makeJob('pfp', { podFailurePolicy: { rules }, podReplacementPolicy: 'Failed', ...spec }));

describe('podReplacementPolicy TerminatingOrFailed (2.13): a deleted pod counts as failed when it starts terminating', () => {
  it('stops the pod, counts it at once, and replaces it after the failure backoff while it still terminates', () => {
    const sim = new Sim(makeJob('tof'));
    sim.sync();
    const [first] = sim.running();
    sim.now += 5_000;
    deletePod(sim, first, { gracePeriodSeconds: 7 });
    const r = sim.sync();
    assert.deepEqual(r.decisions, [{ type: 'deletePod', pod: first }], 'the run is stopped and nothing is created within the backoff');
    assert.deepEqual(counts(sim), { active: 0, terminating: 1, failed: 1, succeeded: 0 });
    assert.equal(r.wakeAt, sim.now + 10_000, 'the deletion is a failure for the backoff (2.6)');
    assert.deepEqual(sim.state.pods[0].deletion, { cause: 'External', at: new Date(sim.now).toISOString(), gracePeriodSeconds: 7, counted: true });
    // The Job emits no event of its own for a pod someone else deleted.
    assert.deepEqual(sim.state.events.map((e) => e.reason), ['SuccessfulCreate']);

    sim.now += 10_000;
    const replacement = sim.sync();
    assert.equal(replacement.decisions.length, 1);
    assert.equal(replacement.decisions[0].type, 'runPod');
    assert.deepEqual(counts(sim), { active: 1, terminating: 1, failed: 1, succeeded: 0 }, 'the replacement runs beside the terminating pod');

    // The deleted pod handled SIGTERM and exited 0: still one failure, no success.
    killed(sim, first, 0);
    sim.sync();
    assert.deepEqual(counts(sim), { active: 1, terminating: 0, failed: 1, succeeded: 0 });
    assert.equal(sim.state.finishedPods[0].phase, 'Succeeded');
    sim.finish(sim.running()[0], 'Succeeded');
    sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    assert.deepEqual(counts(sim), { active: 0, terminating: 0, failed: 1, succeeded: 1 });
  });

  it('counts against backoffLimit: with 0 the Job fails at once, and Failed waits for the pod to be gone (2.10)', () => {
    const sim = new Sim(makeJob('limit', { backoffLimit: 0 }));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod);
    assert.deepEqual(sim.sync().decisions, [{ type: 'deletePod', pod }]);
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded']);
    killed(sim, pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    assert.equal(sim.status().failed, 1, 'counted once, when it began terminating');
  });

  it("Indexed: the replacement takes the terminating pod's index", () => {
    const sim = new Sim(makeJob('idx', { completionMode: 'Indexed', completions: 2, parallelism: 2 }));
    sim.sync();
    const pod = sim.podOf(1);
    deletePod(sim, pod);
    sim.sync();
    sim.now += 10_000;
    const r = sim.sync();
    assert.deepEqual(
      r.decisions.map((d) => d.type === 'runPod' && d.index),
      [1],
    );
  });

  it('a pod waiting for an in-place restart (OnFailure) has no process: it is gone at once', () => {
    const job = makeJob('onfailure');
    job.spec.template.spec.restartPolicy = 'OnFailure';
    const sim = new Sim(job);
    sim.sync();
    const [pod] = sim.running();
    sim.finish(pod, 'Failed');
    deletePod(sim, pod);
    const r = sim.sync();
    assert.ok(!r.decisions.some((d) => d.type === 'deletePod'), 'no run to stop');
    assert.deepEqual(counts(sim), { active: 0, terminating: 0, failed: 1, succeeded: 0 });
    assert.equal(sim.state.finishedPods[0].name, pod);
  });

  it('deleting a terminating pod again changes nothing', () => {
    const sim = new Sim(makeJob('twice'));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod);
    sim.sync();
    deletePod(sim, pod, { gracePeriodSeconds: 0 });
    assert.deepEqual(sim.sync().decisions, []);
    assert.equal(sim.status().failed, 1);
    assert.equal(sim.state.pods[0].deletion?.gracePeriodSeconds, undefined);
  });
});

describe('podReplacementPolicy Failed (2.13): a deleted pod counts only once it has ended', () => {
  it('is neither counted nor replaced while it terminates; counted as failed when it fails', () => {
    const sim = new Sim(makeJob('failed-policy', { podReplacementPolicy: 'Failed' }));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod);
    const r = sim.sync();
    assert.deepEqual(r.decisions, [{ type: 'deletePod', pod }]);
    assert.equal(r.wakeAt, undefined, 'no backoff yet: nothing has failed');
    assert.deepEqual(counts(sim), { active: 0, terminating: 1, failed: 0, succeeded: 0 });
    sim.now += 60_000;
    assert.deepEqual(sim.sync().decisions, [], 'not replaced while terminating');

    killed(sim, pod);
    const after = sim.sync();
    assert.deepEqual(counts(sim), { active: 0, terminating: 0, failed: 1, succeeded: 0 });
    assert.equal(after.wakeAt, sim.now + 10_000, 'the backoff runs from the end of the pod');
    sim.now += 10_000;
    assert.equal(sim.sync().decisions[0]?.type, 'runPod');
  });

  it('a deleted pod that exits 0 on SIGTERM counts as succeeded', () => {
    const sim = new Sim(makeJob('graceful', { podReplacementPolicy: 'Failed' }));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod);
    sim.sync();
    killed(sim, pod, 0);
    sim.sync();
    assert.deepEqual(counts(sim), { active: 0, terminating: 0, failed: 0, succeeded: 1 });
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
  });
});

describe('podFailurePolicy judges a deleted pod only once it has failed (4.1)', () => {
  const disruption = (action: PodFailurePolicyRule['action']): PodFailurePolicyRule[] => [{ action, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }];

  it('an eviction adds DisruptionTarget=True/EvictionByEvictionAPI, which an Ignore rule matches: not counted, replaced', () => {
    const sim = withPolicy(disruption('Ignore'));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod, { eviction: true });
    sim.sync();
    assert.deepEqual(
      sim.state.pods[0].conditions?.map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]),
      [['DisruptionTarget', 'True', 'EvictionByEvictionAPI', 'Eviction API: evicting', new Date(T0).toISOString()]],
    );
    killed(sim, pod);
    const r = sim.sync();
    assert.deepEqual(counts(sim), { active: 0, terminating: 0, failed: 0, succeeded: 0 });
    assert.equal(sim.state.finishedPods[0].podFailurePolicyAction, 'Ignore');
    assert.equal(r.wakeAt, sim.now + 10_000, 'an ignored failure still lengthens the backoff (2.6)');
  });

  it('a FailJob rule on DisruptionTarget fails the Job once the evicted pod has failed, not before', () => {
    const sim = withPolicy(disruption('FailJob'));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod, { eviction: true });
    sim.sync();
    assert.deepEqual(sim.conditions(), [], 'while the pod terminates the policy has nothing to judge');
    killed(sim, pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/PodFailurePolicy', 'Failed/PodFailurePolicy']);
    assert.equal(sim.state.conditions[0].message, `Pod default/${pod} has condition DisruptionTarget matching FailJob rule at index 0`);
    assert.equal(sim.status().failed, 1);
  });

  it('a plain delete adds no condition: the same Ignore rule does not match and the failure counts', () => {
    const sim = withPolicy(disruption('Ignore'));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod);
    sim.sync();
    killed(sim, pod);
    sim.sync();
    assert.equal(sim.state.finishedPods[0].conditions, undefined);
    assert.deepEqual(counts(sim), { active: 0, terminating: 0, failed: 1, succeeded: 0 });
  });

  it('an evicted pod whose worker is lost keeps the eviction condition', () => {
    const sim = withPolicy(disruption('Ignore'));
    sim.sync();
    const [pod] = sim.running();
    deletePod(sim, pod, { eviction: true });
    sim.sync();
    sim.disrupted(pod);
    sim.sync();
    assert.deepEqual(sim.state.finishedPods[0].conditions?.map((c) => c.reason), ['EvictionByEvictionAPI']);
    assert.equal(sim.status().failed, 0);
  });
});

describe('which pods can be deleted', () => {
  it('an unfinished pod; not a finished one nor an unknown name, with Kubernetes\' message', () => {
    const sim = new Sim(makeJob('which', { completions: 2 }));
    sim.sync();
    const [done] = sim.running();
    sim.finish(done, 'Succeeded');
    sim.sync();
    const [running] = sim.running();
    assert.equal(podDeletionProblem(sim.state, running), undefined);
    assert.equal(podDeletionProblem(sim.state, 'which-zzzzz'), 'pods "which-zzzzz" not found');
    assert.match(podDeletionProblem(sim.state, done) ?? '', new RegExp(`^pods "${done}" not found: the pod has finished \\(Succeeded\\)`));
    deletePod(sim, running);
    assert.equal(podDeletionProblem(sim.state, running), undefined, 'a terminating pod can be deleted again');
  });
});
