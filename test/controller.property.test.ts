// Random event sequences against the pure controller, checking the invariants of ARCHITECTURE.md.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { apply, computeStatus, initialState, isFinished, reconcile, type JobState } from '../src/controller';
import type { JobSpec } from '../src/api/types';
import { makeJob } from './helpers/jobs';

type Step =
  | { kind: 'finish'; pick: number; ok: boolean }
  | { kind: 'disrupt'; pick: number }
  | { kind: 'tick'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('disrupt' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 400_000 }) }),
);

const specArb: fc.Arbitrary<Partial<JobSpec>> = fc.record({
  parallelism: fc.integer({ min: 0, max: 5 }),
  completions: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }),
  completionMode: fc.constantFrom('NonIndexed' as const, 'Indexed' as const),
  backoffLimit: fc.integer({ min: 0, max: 6 }),
  activeDeadlineSeconds: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
});

it('controller invariants hold over random event sequences', () => {
  fc.assert(
    fc.property(specArb, fc.boolean(), fc.array(stepArb, { maxLength: 80 }), (partial, onFailure, steps) => {
      const spec = { ...partial };
      // Indexed Jobs need completions (validation guarantees it).
      if (spec.completionMode === 'Indexed' && spec.completions === null) spec.completions = 3;
      const job = makeJob('prop', spec);
      if (onFailure) job.spec.template.spec.restartPolicy = 'OnFailure';
      const state: JobState = initialState();
      let now = 1_700_000_000_000;
      let n = 0;
      const started = new Map<string, number>();
      const ended = new Map<string, number>();
      let prev = computeStatus(job.spec, state);
      let finishedAtStep = -1;

      const sync = () => {
        const { decisions } = reconcile(job, state, { now, randomSuffix: () => String(n++).padStart(5, '0') });
        for (const d of decisions) {
          if (d.type === 'runPod') {
            assert.ok(!isFinished(state), 'a finished Job starts no pod');
            started.set(`${d.pod}#${d.restartCount}`, (started.get(`${d.pod}#${d.restartCount}`) ?? 0) + 1);
          }
        }
        const s = computeStatus(job.spec, state);
        const active = state.pods.filter((p) => !p.deletion);
        const runningActive = active.filter((p) => p.running).length;
        const completions = job.spec.completions;
        if (completions !== null) {
          assert.ok(runningActive <= Math.max(0, Math.min(job.spec.parallelism, completions - s.succeeded)),
            'running pods never exceed min(parallelism, remaining)');
          assert.ok(s.succeeded <= completions, 'succeeded never exceeds completions');
        } else {
          assert.ok(runningActive <= job.spec.parallelism, 'running pods never exceed parallelism');
        }
        assert.ok(s.failed >= prev.failed, 'failed never decreases');
        assert.ok(s.succeeded >= prev.succeeded, 'succeeded never decreases');
        assert.ok(s.ready <= s.active, 'ready never exceeds active');
        const terminal = s.conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
        if (terminal) {
          assert.equal(state.pods.length, 0, 'the terminal condition appears only after every pod has stopped');
          assert.equal(s.active + s.terminating, 0);
        }
        const types = s.conditions.filter((c) => c.status === 'True').map((c) => c.type);
        assert.ok(!(types.includes('Complete') && types.includes('Failed')), 'never both Complete and Failed');
        if (types.includes('Failed')) assert.ok(types.includes('FailureTarget'));
        if (types.includes('Complete')) assert.ok(types.includes('SuccessCriteriaMet'));
        prev = s;
      };

      sync();
      steps.forEach((step, i) => {
        if (isFinished(state) && finishedAtStep < 0) finishedAtStep = i;
        const inFlight = state.pods.filter((p) => p.running);
        if (step.kind === 'tick') {
          now += step.ms;
        } else if (inFlight.length > 0) {
          const pod = inFlight[step.pick % inFlight.length];
          const key = `${pod.name}#${pod.restartCount}`;
          ended.set(key, (ended.get(key) ?? 0) + 1);
          now += 1;
          if (step.kind === 'disrupt') {
            apply(job, state, { type: 'podDisrupted', pod: pod.name, message: 'lost', at: now });
          } else if (pod.deletion) {
            apply(job, state, { type: 'podCancelled', pod: pod.name, at: now });
          } else {
            apply(job, state, {
              type: 'podFinished',
              pod: pod.name,
              at: now,
              result: { phase: step.ok ? 'Succeeded' : 'Failed', containers: [] },
            });
          }
        }
        sync();
      });
      for (const [key, count] of started) assert.equal(count, 1, `pod run ${key} started exactly once`);
      for (const [key, count] of ended) assert.equal(count, 1, `pod run ${key} ended exactly once`);
      // Every run that ended was started.
      for (const key of ended.keys()) assert.ok(started.has(key));
    }),
    { numRuns: 400 },
  );
});
