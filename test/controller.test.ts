import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  apply,
  computeStatus,
  crashLoopDelay,
  initialState,
  podFailureDelay,
  podGenerateName,
  reconcile,
  type Decision,
  type JobState,
} from '../src/controller';
import type { Job } from '../src/api/types';
import { makeJob, shellContainer } from './helpers/jobs';
import { Sim, T0 } from './helpers/sim';

describe('backoff delays (JOB-SEMANTICS 2.6, section A)', () => {
  it('doubles from 10 s and stops at 6 minutes', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 50].map(podFailureDelay), [0, 10, 20, 40, 80, 160, 320, 360, 360, 360].map((s) => s * 1000));
  });
  it('crash-loop restarts cap at 5 minutes', () => {
    assert.deepEqual([1, 2, 5, 6, 9].map(crashLoopDelay), [10, 20, 160, 300, 300].map((s) => s * 1000));
  });
});

describe('pod names (6.5)', () => {
  it('cuts generateName to 58 characters and keeps the index suffix', () => {
    assert.equal(podGenerateName('pi'), 'pi-');
    assert.equal(podGenerateName('a'.repeat(63)).length, 58);
    const indexed = podGenerateName('b'.repeat(63), 123);
    assert.equal(indexed.length, 58);
    assert.ok(indexed.endsWith('-123-'));
  });
});

describe('a one-pod Job', () => {
  it('creates one pod, then completes with the two-step conditions', () => {
    const sim = new Sim(makeJob('pi'));
    const first = sim.sync();
    assert.deepEqual(first.decisions.map((d) => d.type), ['runPod']);
    assert.equal(sim.status().active, 1);
    assert.equal(sim.state.startTime, new Date(T0).toISOString());
    assert.deepEqual(sim.state.events.map((e) => e.reason), ['SuccessfulCreate']);
    assert.match(sim.state.events[0].message, /^Created pod: pi-s0000$/);
    sim.now += 5000;
    sim.finish(sim.running()[0], 'Succeeded');
    assert.deepEqual(sim.sync().decisions, []);
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    const s = sim.status();
    assert.equal(s.succeeded, 1);
    assert.equal(s.active, 0);
    assert.equal(s.completionTime, new Date(T0 + 5000).toISOString());
    assert.equal(sim.state.conditions[1].message, 'Reached expected number of succeeded pods');
    assert.deepEqual(sim.state.events.map((e) => e.reason), ['SuccessfulCreate', 'Completed']);
  });

  it('retries with backoff and fails with BackoffLimitExceeded after backoffLimit + 1 pods', () => {
    const sim = new Sim(makeJob('fail', { backoffLimit: 3 }));
    const created: number[] = [];
    const reasons: string[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const { decisions, wakeAt, wakeFor } = sim.sync();
      for (const d of decisions) if (d.type === 'runPod') created.push(sim.now);
      if (sim.conditions().includes('Failed/BackoffLimitExceeded')) break;
      const running = sim.running();
      if (running.length) {
        sim.now += 1000;
        sim.finish(running[0], 'Failed');
      } else {
        assert.ok(wakeAt !== undefined, 'a Job waiting on backoff must ask to be woken');
        reasons.push(wakeFor ?? '');
        // Nothing is created before the delay has passed.
        sim.now = wakeAt - 1;
        assert.deepEqual(sim.sync().decisions, []);
        sim.now = wakeAt;
      }
    }
    assert.equal(created.length, 4);
    // Each pod failed 1 s after it started; the next pod comes 10, 20, 40 s after that failure.
    const gaps = created.slice(1).map((t, i) => t - created[i] - 1000);
    assert.deepEqual(gaps, [10_000, 20_000, 40_000]);
    // The Web UI's timer summaries.
    assert.deepEqual(reasons, ['backoff 10s before retry 1', 'backoff 20s before retry 2', 'backoff 40s before retry 3']);
    assert.equal(sim.status().failed, 4);
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    assert.equal(sim.state.conditions[1].message, 'Job has reached the specified backoff limit');
    assert.equal(sim.status().completionTime, undefined);
    const last = sim.state.events[sim.state.events.length - 1];
    assert.deepEqual([last.type, last.reason, last.message], ['Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
  });

  it('backoffLimit 0 fails on the first failed pod', () => {
    const sim = new Sim(makeJob('zero', { backoffLimit: 0 }));
    sim.sync();
    sim.finish(sim.running()[0], 'Failed');
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
  });

  it('a success resets the failure count used for the delay', () => {
    const sim = new Sim(makeJob('reset', { completions: 3, backoffLimit: 10 }));
    sim.sync();
    sim.finish(sim.running()[0], 'Failed');
    const w1 = sim.sync().wakeAt;
    assert.equal(w1, sim.now + 10_000);
    sim.now = w1!;
    sim.sync();
    sim.finish(sim.running()[0], 'Failed');
    assert.equal(sim.sync().wakeAt, sim.now + 20_000);
    sim.now += 20_000;
    sim.sync();
    sim.finish(sim.running()[0], 'Succeeded');
    const after = sim.sync();
    assert.equal(after.decisions.length, 1, 'no delay after a success');
    sim.finish(sim.running()[0], 'Failed');
    assert.equal(sim.sync().wakeAt, sim.now + 10_000, 'the count starts again at 1');
  });
});

describe('parallelism and completions (2.4)', () => {
  it('never runs more than min(parallelism, remaining completions)', () => {
    const sim = new Sim(makeJob('par', { completions: 5, parallelism: 2 }));
    sim.sync();
    assert.equal(sim.running().length, 2);
    sim.finish(sim.running()[0], 'Succeeded');
    sim.sync();
    assert.equal(sim.running().length, 2);
    sim.finish(sim.running()[0], 'Succeeded');
    sim.finish(sim.running()[0], 'Succeeded');
    sim.sync();
    assert.equal(sim.running().length, 2, '2 of 5 left: 2 pods');
    sim.finish(sim.running()[0], 'Succeeded');
    sim.sync();
    assert.equal(sim.running().length, 1, '1 of 5 left: 1 pod');
    sim.finish(sim.running()[0], 'Succeeded');
    sim.sync();
    assert.equal(sim.status().succeeded, 5);
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
  });

  it('parallelism 10, completions 3 runs 3 pods', () => {
    const sim = new Sim(makeJob('p10', { completions: 3, parallelism: 10 }));
    sim.sync();
    assert.equal(sim.running().length, 3);
  });

  it('completions 0 completes at once with no pods', () => {
    const sim = new Sim(makeJob('c0', { completions: 0 }));
    assert.deepEqual(sim.sync().decisions, []);
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
  });

  it('parallelism 0 creates nothing and sets no condition', () => {
    const sim = new Sim(makeJob('p0', { completions: 3, parallelism: 0 }));
    assert.deepEqual(sim.sync().decisions, []);
    assert.deepEqual(sim.state.conditions, []);
  });
});

describe('work-queue mode (2.5)', () => {
  it('stops creating pods after the first success and completes when the rest end', () => {
    const sim = new Sim(makeJob('wq', { completions: null, parallelism: 3 }));
    sim.sync();
    assert.equal(sim.running().length, 3);
    const [a, b, c] = sim.running();
    sim.finish(a, 'Failed');
    sim.now += 10_000;
    sim.sync();
    assert.equal(sim.running().length, 3, 'failed pods are replaced while nothing succeeded');
    sim.finish(b, 'Succeeded');
    sim.sync();
    assert.equal(sim.running().length, 2, 'no pod after the first success');
    sim.finish(c, 'Failed');
    sim.now += 60_000;
    sim.sync();
    assert.equal(sim.running().length, 1, 'not even a replacement');
    assert.equal(sim.status().failed, 2, 'failures after a success still count');
    sim.finish(sim.running()[0], 'Succeeded');
    sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    assert.equal(sim.status().succeeded, 2);
  });
});

describe('Indexed Jobs (3)', () => {
  it('takes the lowest pending indexes first', () => {
    const sim = new Sim(makeJob('idx', { completions: 20, parallelism: 8, completionMode: 'Indexed' }));
    sim.state.completedIndexes = [[2, 2], [4, 5], [7, 9]];
    sim.state.succeeded = 6;
    sim.state.pods.push(
      { name: 'idx-0-aaaaa', index: 0, phase: 'Running', restartCount: 0, creationTimestamp: '', running: true },
      { name: 'idx-3-aaaaa', index: 3, phase: 'Pending', restartCount: 0, creationTimestamp: '', running: true },
    );
    const { decisions } = sim.sync();
    assert.deepEqual(
      decisions.map((d) => (d.type === 'runPod' ? d.index : -1)),
      [1, 6, 10, 11, 12, 13],
    );
    assert.ok(decisions.every((d) => d.type === 'runPod' && d.pod.startsWith(`idx-${d.index}-`)));
  });

  it('counts distinct indexes and reports completedIndexes', () => {
    const sim = new Sim(makeJob('ix', { completions: 6, parallelism: 6, completionMode: 'Indexed' }));
    sim.sync();
    const byIndex = new Map(sim.state.pods.map((p) => [p.index, p.name]));
    for (const i of [1, 3, 4, 5]) sim.finish(byIndex.get(i)!, 'Succeeded');
    sim.finish(byIndex.get(0)!, 'Failed');
    assert.equal(sim.status().completedIndexes, '1,3-5');
    assert.equal(sim.status().succeeded, 4);
    assert.equal(sim.status().failed, 1);
  });
});

describe('activeDeadlineSeconds (2.8, 2.9)', () => {
  it('kills running pods, counts them failed, and fails once they are gone', () => {
    const sim = new Sim(makeJob('dl', { activeDeadlineSeconds: 30, parallelism: 2, completions: 2 }));
    const first = sim.sync();
    assert.equal(first.wakeAt, T0 + 30_000);
    sim.now = T0 + 30_000;
    const { decisions } = sim.sync();
    assert.deepEqual(decisions.map((d) => d.type), ['deletePod', 'deletePod']);
    assert.deepEqual(sim.conditions(), ['FailureTarget/DeadlineExceeded']);
    const s = sim.status();
    assert.deepEqual([s.active, s.terminating, s.failed], [0, 2, 2]);
    for (const d of decisions) sim.cancelled(d.pod);
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/DeadlineExceeded', 'Failed/DeadlineExceeded']);
    assert.equal(sim.state.conditions[1].message, 'Job was active longer than specified deadline');
    assert.equal(sim.status().failed, 2);
  });

  it('a killed pod keeps what its containers reported (exit code, log tail), counted once', () => {
    const sim = new Sim(makeJob('dlk', { activeDeadlineSeconds: 5 }));
    sim.sync();
    const [pod] = sim.running();
    sim.now = T0 + 5_000;
    assert.deepEqual(sim.sync().decisions, [{ type: 'deletePod', pod }]);
    const killed = { name: 'main', init: false, exitCode: 143, signal: 'SIGTERM', reason: 'Error' as const, startedAt: '', finishedAt: '', logTail: 'bye\n', logTruncated: false };
    apply(sim.job, sim.state, {
      type: 'podCancelled',
      pod,
      at: sim.now + 100,
      result: { phase: 'Failed', message: 'container "main" was killed by SIGTERM (exit code 143)', worker: 'w1', containers: [killed] },
    });
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/DeadlineExceeded', 'Failed/DeadlineExceeded']);
    assert.equal(sim.status().failed, 1);
    const [record] = sim.state.finishedPods;
    assert.equal(record.phase, 'Failed');
    assert.deepEqual(record.containers, [killed]);
    assert.equal(record.worker, 'w1');
    assert.equal(record.message, 'container "main" was killed by SIGTERM (exit code 143)');
  });

  it('cuts off a retry that is waiting on backoff', () => {
    const sim = new Sim(makeJob('dlb', { activeDeadlineSeconds: 15, backoffLimit: 5 }));
    sim.sync();
    sim.now += 1000;
    sim.finish(sim.running()[0], 'Failed');
    const { wakeAt } = sim.sync();
    assert.equal(wakeAt, T0 + 11_000, 'backoff wakes first');
    sim.now = wakeAt!;
    sim.sync();
    sim.now += 1000;
    sim.finish(sim.running()[0], 'Failed');
    const next = sim.sync();
    assert.equal(next.wakeAt, T0 + 15_000, 'the deadline comes before the 20 s backoff');
    sim.now = next.wakeAt!;
    assert.deepEqual(sim.sync().decisions, []);
    assert.deepEqual(sim.conditions(), ['FailureTarget/DeadlineExceeded', 'Failed/DeadlineExceeded']);
  });

  it('BackoffLimitExceeded wins over a passed deadline in the same sync', () => {
    const sim = new Sim(makeJob('both', { activeDeadlineSeconds: 10, backoffLimit: 0 }));
    sim.sync();
    sim.now += 20_000;
    sim.finish(sim.running()[0], 'Failed');
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
  });
});

describe('restartPolicy OnFailure (2.7, section A)', () => {
  const onFailure = (name: string, backoffLimit: number) => {
    const job = makeJob(name, { backoffLimit });
    job.spec.template.spec.restartPolicy = 'OnFailure';
    return new Sim(job);
  };

  it('restarts in place after the crash-loop delay, keeping the pod name', () => {
    const sim = onFailure('of', 3);
    sim.sync();
    const pod = sim.running()[0];
    sim.finish(pod, 'Failed');
    const { decisions, wakeAt } = sim.sync();
    assert.deepEqual(decisions, []);
    assert.equal(wakeAt, sim.now + 10_000);
    sim.now = wakeAt!;
    assert.deepEqual(sim.sync().decisions, [{ type: 'runPod', pod, restartCount: 1 }]);
    assert.equal(sim.status().failed, 0, 'in-place restarts are not failed pods');
    sim.finish(pod, 'Succeeded');
    sim.sync();
    assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    assert.equal(sim.state.finishedPods[0].restartCount, 1);
  });

  it('fails the Job when restarts reach backoffLimit, counting the pod as failed', () => {
    const sim = onFailure('of2', 2);
    sim.sync();
    const pod = sim.running()[0];
    sim.finish(pod, 'Failed');
    sim.now = sim.sync().wakeAt!;
    sim.sync();
    sim.finish(pod, 'Failed');
    sim.sync();
    assert.deepEqual(sim.conditions(), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    assert.equal(sim.status().failed, 1);
  });
});

describe('spec.managedBy (2.14)', () => {
  it('another controller\'s Job gets no pods and an empty status, even suspended or past its deadline', () => {
    for (const spec of [{}, { suspend: true }, { activeDeadlineSeconds: 1 }]) {
      const sim = new Sim(makeJob('ext', { managedBy: 'example.com/my-controller', ...spec }));
      sim.now += 5000;
      const r = reconcile(sim.job, sim.state, { now: sim.now, randomSuffix: () => 'zzzzz', honourManagedBy: true });
      assert.deepEqual(r.decisions, []);
      assert.equal(r.wakeAt, undefined);
      assert.equal(sim.state.startTime, undefined);
      assert.deepEqual(sim.state.conditions, []);
      assert.deepEqual(sim.state.events, []);
      assert.deepEqual(computeStatus(sim.job.spec, sim.state), computeStatus(sim.job.spec, initialState()));
    }
  });

  it('the built-in controller\'s own name, or runs that predate the rule (replay), run the Job', () => {
    const own = new Sim(makeJob('own', { managedBy: 'kubernetes.io/job-controller' }));
    assert.deepEqual(
      reconcile(own.job, own.state, { now: own.now, randomSuffix: () => 'aaaaa', honourManagedBy: true }).decisions.map((d) => d.type),
      ['runPod'],
    );
    const old = new Sim(makeJob('old', { managedBy: 'example.com/my-controller' }));
    assert.deepEqual(old.sync().decisions.map((d) => d.type), ['runPod']);
  });
});

describe('runtime warnings as events', () => {
  it('a container without a command and fields no runtime honours become Warning events, once, when the Job starts', () => {
    const containers = [
      { name: 'web', image: 'nginx' },
      { ...shellContainer('true', 'side'), ports: [{ containerPort: 80 }] },
    ] as Job['spec']['template']['spec']['containers'];
    const sim = new Sim(makeJob('notes', { suspend: true }, containers));
    sim.sync();
    assert.deepEqual(sim.state.events.filter((e) => e.type === 'Warning'), [], 'nothing while suspended: the Job has not started');
    const before = sim.state.events.length;
    sim.job.spec.suspend = false;
    sim.sync();
    const started = sim.state.events.slice(before);
    assert.deepEqual(
      started.map((e) => `${e.type}/${e.reason}`).filter((r) => r !== 'Normal/Resumed'),
      ['Warning/MissingCommand', 'Warning/IgnoredFields', 'Normal/SuccessfulCreate'],
    );
    assert.match(started[0].message, /^spec\.template\.spec\.containers\[0\] \("web"\): image "nginx" has no command/);
    assert.equal(started[1].message, 'the process runtime ignores spec.template.spec.containers[1].ports');
    sim.now += 1000;
    sim.finish(sim.running()[0], 'Failed');
    sim.now += 60_000;
    sim.sync();
    assert.equal(sim.state.events.filter((e) => e.type === 'Warning' && e.reason !== 'BackoffLimitExceeded').length, 2, 'said once');
  });

  it('a plain Job gets none', () => {
    const sim = new Sim(makeJob('plain'));
    sim.sync();
    assert.deepEqual(sim.state.events.map((e) => e.reason), ['SuccessfulCreate']);
  });
});

describe("the runtime's image pulls as the Job's events (issue 13)", () => {
  it('a failed pull is a Warning ErrImagePull, a pull that happened a Normal Pulled, each naming the pod', () => {
    const sim = new Sim(makeJob('img', { completions: 2 }));
    sim.sync();
    const [first] = sim.running();
    const container = (imagePull: { image: string; outcome: 'Pulled' | 'Failed'; message?: string }, exitCode: number) => ({
      name: 'main',
      init: false,
      exitCode,
      reason: exitCode === 0 ? ('Completed' as const) : ('ContainerCannotRun' as const),
      startedAt: '',
      finishedAt: '',
      logTail: '',
      logTruncated: false,
      imagePull,
    });
    apply(sim.job, sim.state, {
      type: 'podFinished',
      pod: first,
      at: sim.now,
      result: { phase: 'Failed', containers: [container({ image: 'busybox:nope', outcome: 'Failed', message: 'manifest unknown' }, 125)] },
    });
    sim.now += 10_000;
    sim.sync();
    const [second] = sim.running();
    apply(sim.job, sim.state, { type: 'podFinished', pod: second, at: sim.now, result: { phase: 'Succeeded', containers: [container({ image: 'busybox', outcome: 'Pulled' }, 0)] } });
    assert.deepEqual(
      sim.state.events.filter((e) => e.reason !== 'SuccessfulCreate').map((e) => [e.type, e.reason, e.message]),
      [
        ['Warning', 'ErrImagePull', `Failed to pull image "busybox:nope" for pod ${first}: manifest unknown`],
        ['Normal', 'Pulled', `Successfully pulled image "busybox" for pod ${second}`],
      ],
    );
  });
});
