// Controller rules behind continue-as-new and bounded cost per pod: pod starts under a cap (the shell's
// pacing, and 0 while it drains), and the state a run hands to the next one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EVENTS, RECENT_PODS, stateToCarry, withLogBudget, type JobState } from '../src/controller';
import { makeJob } from './helpers/jobs';
import { Sim } from './helpers/sim';

function starts(d: { decisions: Array<{ type: string }> }): number {
  return d.decisions.filter((x) => x.type === 'runPod').length;
}

/** Runs the Job to its end with every pod succeeding; `carryEvery` hands the state over (as continue-as-new does) every n pods. */
function runToEnd(sim: Sim, opts: { maxStarts?: number; carryEvery?: number } = {}): number {
  let finished = 0;
  for (let turn = 0; turn < 100_000; turn++) {
    sim.sync({ maxStarts: opts.maxStarts });
    const running = sim.running();
    if (running.length === 0) return turn;
    for (const pod of running) {
      sim.finish(pod, 'Succeeded');
      finished++;
      if (opts.carryEvery && finished % opts.carryEvery === 0) sim.state = JSON.parse(JSON.stringify(stateToCarry(sim.state, 1024))) as JobState;
    }
    sim.now += 1000;
  }
  throw new Error('the Job never ended');
}

describe('pod starts under a cap', () => {
  it('a sync starts at most maxStarts pods and says it held the rest back', () => {
    const sim = new Sim(makeJob('wide', { completions: 1_000_000, parallelism: 1_000_000 }));
    const t0 = Date.now();
    const first = sim.sync({ maxStarts: 500 });
    assert.equal(starts(first), 500);
    assert.equal(first.startsHeld, true);
    const second = sim.sync({ maxStarts: 500 });
    assert.equal(starts(second), 500, 'the next sync starts the next step');
    assert.equal(sim.status().active, 1000);
    assert.ok(Date.now() - t0 < 1_000, 'a parallelism of 1,000,000 costs a step, not a million pods');
  });

  it('maxStarts 0 starts nothing and changes no count, but still deletes and finishes', () => {
    const sim = new Sim(makeJob('drain', { completions: 4, parallelism: 2 }));
    sim.sync();
    const [a, b] = sim.running();
    sim.finish(a, 'Succeeded');
    const held = sim.sync({ maxStarts: 0 });
    assert.equal(starts(held), 0);
    assert.equal(held.startsHeld, true);
    assert.deepEqual([sim.status().active, sim.status().succeeded], [1, 1]);
    sim.job.spec.suspend = true;
    const suspend = sim.sync({ maxStarts: 0 });
    assert.deepEqual(suspend.decisions, [{ type: 'deletePod', pod: b }], 'deletions are not starts');
  });

  it('an in-place restart waits for the budget like a new pod', () => {
    const job = makeJob('restart', { completions: 1 });
    job.spec.template.spec.restartPolicy = 'OnFailure';
    const sim = new Sim(job);
    sim.sync();
    const [pod] = sim.running();
    sim.finish(pod, 'Failed');
    sim.now += 60_000;
    const held = sim.sync({ maxStarts: 0 });
    assert.deepEqual([starts(held), held.startsHeld], [0, true]);
    const restarted = sim.sync({ maxStarts: 1 });
    assert.deepEqual(restarted.decisions, [{ type: 'runPod', pod, restartCount: 1 }]);
  });

  it('Indexed: capped steps pick the lowest missing indexes, each once', () => {
    const sim = new Sim(makeJob('idx', { completionMode: 'Indexed', completions: 10, parallelism: 10 }));
    sim.sync({ maxStarts: 4 });
    sim.sync({ maxStarts: 4 });
    sim.sync({ maxStarts: 4 });
    assert.deepEqual(sim.runningIndexes(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('capped starts reach the same end as uncapped ones', () => {
    const capped = new Sim(makeJob('c', { completions: 50, parallelism: 20 }));
    const free = new Sim(makeJob('c', { completions: 50, parallelism: 20 }));
    runToEnd(capped, { maxStarts: 3 });
    runToEnd(free);
    assert.deepEqual([capped.status().succeeded, capped.status().failed, capped.state.podsCreated], [50, 0, 50]);
    assert.deepEqual(capped.conditions(), free.conditions());
  });
});

describe('the state handed to the next run', () => {
  it('crosses JSON hand-overs with exact counts; finished pods are counted, not listed', () => {
    const sim = new Sim(makeJob('carry', { completionMode: 'Indexed', completions: 3000, parallelism: 100 }));
    runToEnd(sim, { carryEvery: 700 });
    const s = sim.status();
    assert.deepEqual([s.succeeded, s.failed, s.completedIndexes], [3000, 0, '0-2999']);
    assert.equal(sim.state.podsCreated, 3000, 'no pod was started twice or lost across the hand-overs');
    assert.equal(sim.state.finishedPods.length, RECENT_PODS);
    assert.equal(sim.state.finishedPodsDropped, 3000 - RECENT_PODS);
    assert.ok(sim.state.events.length <= MAX_EVENTS);
  });

  it('does not grow with the pods the Job has run', () => {
    const size = (n: number) => {
      const sim = new Sim(makeJob('size', { completions: n, parallelism: 10 }));
      runToEnd(sim);
      return JSON.stringify(stateToCarry(sim.state, 0)).length;
    };
    const small = size(1_000);
    const large = size(5_000);
    assert.ok(large < small * 1.05, `state of 5,000 pods ${large} chars, of 1,000 pods ${small}`);
  });

  it('log tails share the budget, newest pods first', () => {
    const sim = new Sim(makeJob('logs', { completions: 3 }));
    for (let i = 0; i < 3; i++) {
      sim.sync();
      const [pod] = sim.running();
      sim.finish(pod, 'Succeeded');
    }
    for (const p of sim.state.finishedPods) p.containers = p.containers?.map((c) => ({ ...c, logTail: 'x'.repeat(100) }));
    const carried = stateToCarry(sim.state, 150);
    assert.deepEqual(carried.finishedPods.map((p) => p.containers?.[0].logTail.length), [0, 50, 100]);
    assert.deepEqual(carried.finishedPods.map((p) => p.containers?.[0].logTruncated), [true, true, false]);
    assert.equal(sim.state.finishedPods[0].containers?.[0].logTail.length, 100, 'the live state is not touched');
    assert.equal(withLogBudget(sim.state.finishedPods, 1_000).length, 3);
  });
});
