// A Job's state (and so every query answer and its result) stays bounded however many pods it has:
// finished pods beyond RECENT_PODS are counted, not kept, and events are folded. Pure controller, so a
// Job of thousands of pods is checked in milliseconds; the queries that page through the kept window
// are exercised against a server in queries.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_EVENTS, RECENT_PODS } from '../src/controller/state';
import { makeJob } from './helpers/jobs';
import { Sim } from './helpers/sim';

function runToEnd(sim: Sim): void {
  for (let guard = 0; guard < 100_000; guard++) {
    sim.sync();
    const running = sim.running();
    if (running.length === 0) return;
    sim.now += 1000;
    for (const pod of running) sim.finish(pod, 'Succeeded');
  }
  throw new Error('the Job never ended');
}

describe('bounded Job state', () => {
  for (const completions of [RECENT_PODS + 20, 3_000]) {
    it(`keeps the last ${RECENT_PODS} of ${completions} pods, oldest first, and counts the rest`, () => {
      const sim = new Sim(makeJob('many-pods', { completions, parallelism: 20 }));
      runToEnd(sim);
      const status = sim.status();
      assert.deepEqual([status.succeeded, status.failed, status.active], [completions, 0, 0]);
      assert.deepEqual(sim.conditions(), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);

      const kept = sim.state.finishedPods;
      assert.equal(kept.length, RECENT_PODS);
      assert.equal(sim.state.finishedPodsDropped, completions - RECENT_PODS, 'every pod is either kept or counted');
      assert.equal(new Set(kept.map((p) => p.name)).size, RECENT_PODS, 'no pod kept twice');
      assert.ok(kept.every((p) => p.phase === 'Succeeded'));
      const finished = kept.map((p) => Date.parse(p.finishedAt ?? ''));
      assert.ok(finished.every((t, i) => !Number.isNaN(t) && (i === 0 || t >= finished[i - 1])), 'kept pods are in finish order');
      assert.equal(finished.at(-1), sim.now, 'the window holds the most recent pods');

      // Events are folded and bounded; creations are never over-counted.
      const events = sim.state.events;
      assert.ok(events.length <= MAX_EVENTS, `${events.length} events`);
      const created = events.filter((e) => e.reason === 'SuccessfulCreate').reduce((n, e) => n + e.count, 0);
      assert.ok(created > 0 && created <= completions, `${created} creations recorded`);
      // The state a query or the result carries does not grow with the Job.
      const size = Buffer.byteLength(JSON.stringify(sim.state));
      assert.ok(size < 256 * 1024, `state is ${size} bytes`);
    });
  }
});
