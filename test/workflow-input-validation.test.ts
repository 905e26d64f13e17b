// The `job` workflow's start input checked as the client checks a manifest (issue 15, section 1): each
// input seen running in the issue (parallelism -1, completions -5, no containers, a string command, a
// forged Complete state, a log file outside the data dir) is refused with the field path, and what the
// client and the controller really produce passes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { parseManifests, parseObjects, withControllerUid, type Job } from '../src/api';
import { jobForSchedule, jobFromCronJob } from '../src/cronjob/job-for-schedule';
import { stateToCarry } from '../src/controller/carry';
import { initialState, type JobState } from '../src/controller/state';
import { INVALID_JOB_INPUT, validateJobInput } from '../src/workflows/input-validation';
import { Sim } from './helpers/sim';

const PI = readFileSync(resolve(__dirname, '../../examples/pi.yaml'), 'utf8');
const UID = '1f0e2a3b-0000-4000-8000-000000000001';

function stored(yaml = PI): Job {
  const job = withControllerUid(parseManifests(yaml)[0], UID);
  return { ...job, metadata: { ...job.metadata, creationTimestamp: '2026-01-01T00:00:00.000Z' } };
}

function refused(input: unknown, message: string | RegExp): void {
  assert.throws(
    () => validateJobInput(input),
    (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, INVALID_JOB_INPUT);
      assert.equal(err.nonRetryable, true);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

function expectRefusedOrValid(input: unknown): void {
  try {
    validateJobInput(input);
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure && err.type === INVALID_JOB_INPUT && err.nonRetryable, `${String(err)} for ${JSON.stringify(input)?.slice(0, 300)}`);
  }
}

function withSpec(job: Job, spec: Record<string, unknown>): unknown {
  return { ...job, spec: { ...job.spec, ...spec } };
}

function withPodSpec(job: Job, podSpec: Record<string, unknown>): unknown {
  return withSpec(job, { template: { ...job.spec.template, spec: { ...job.spec.template.spec, ...podSpec } } });
}

/** A controller state from a real run of the pure controller: every pod succeeds until the Job completes. */
function completedState(job: Job): JobState {
  const sim = new Sim(job);
  for (let i = 0; i < 50 && !sim.conditions().some((c) => c.startsWith('Complete')); i++) {
    sim.sync();
    for (const pod of sim.running()) sim.finish(pod, 'Succeeded');
    sim.now += 1000;
  }
  sim.sync();
  assert.ok(sim.conditions().some((c) => c.startsWith('Complete')), sim.conditions().join());
  return sim.state;
}

describe('the job workflow validates its start input', () => {
  it('what the client starts, and what the controller carries over, pass unchanged', () => {
    const job = stored();
    assert.deepEqual(validateJobInput({ job }), { job });
    assert.deepEqual(validateJobInput({ job, state: initialState() }), { job, state: initialState() });
    const indexed = stored(PI.replace('spec:\n', 'spec:\n  completionMode: Indexed\n  completions: 3\n  parallelism: 2\n'));
    const state = completedState(indexed);
    assert.equal(validateJobInput({ job: indexed, state }).state, state);
  });

  it('the state continue-as-new carries passes, also for a 60-character name the pod names cut', () => {
    const name = 'n'.repeat(60);
    for (const mode of ['', '  completionMode: Indexed\n']) {
      const job = stored(PI.replace('name: pi', `name: ${name}`).replace('spec:\n', `spec:\n${mode}  completions: 3\n  parallelism: 2\n`));
      const sim = new Sim(job);
      sim.sync();
      const [first] = sim.running();
      assert.ok(first !== undefined && !first.startsWith(`${name}-`), 'the pod name is cut');
      sim.finish(first, 'Succeeded');
      sim.sync();
      const carried = stateToCarry(sim.state, 1024);
      assert.ok(carried.pods.length > 0 && carried.finishedPods.length > 0);
      assert.equal(validateJobInput({ job, state: carried }).state, carried);
    }
  });

  it('the Jobs a CronJob creates (scheduled and --from) pass', () => {
    const cronJob = parseObjects(readFileSync(resolve(__dirname, '../../examples/hello-cronjob.yaml'), 'utf8')).objects.find((o) => o.kind === 'CronJob');
    assert.ok(cronJob?.kind === 'CronJob');
    for (const made of [jobForSchedule(cronJob, Date.parse('2026-01-01T00:00:00Z')), jobFromCronJob(cronJob, 'by-hand')]) {
      const job = withControllerUid(made, UID);
      const input = { job: { ...job, metadata: { ...job.metadata, creationTimestamp: '2026-01-01T00:00:00.000Z' } } };
      assert.equal(validateJobInput(input), input);
    }
  });

  it('parallelism -1, completions -5, no containers: the client\'s messages', () => {
    const job = stored();
    refused({ job: withSpec(job, { parallelism: -1 }) }, 'The Job "pi" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0');
    refused({ job: withSpec(job, { completions: -5 }) }, 'The Job "pi" is invalid: spec.completions: Invalid value: -5: must be greater than or equal to 0');
    refused({ job: withPodSpec(job, { containers: [] }) }, 'The Job "pi" is invalid: spec.template.spec.containers: Required value');
  });

  it('a string command (which ran character by character) is refused at decoding, with its field', () => {
    const job = stored();
    const container = { ...job.spec.template.spec.containers[0], command: 'echo hi' };
    refused({ job: withPodSpec(job, { containers: [container] }) }, /cannot unmarshal string into Go struct field Container\.spec\.template\.spec\.containers\.command of type \[\]string/);
  });

  it('a uid that does not match the generated labels, unknown fields, and no Job at all are refused', () => {
    const job = stored();
    refused({ job: { ...job, metadata: { ...job.metadata, uid: 'another' } } }, /spec\.template\.metadata\.labels\[batch\.kubernetes\.io\/controller-uid\]: Invalid value/);
    refused({ job: withSpec(job, { surprise: 1 }) }, /unknown field "spec\.surprise"/);
    refused(null, 'the workflow input must be an object {job, state?}');
    refused({}, 'job: Required value: the workflow input has no Job');
    refused({ job: { ...job, kind: 'Pod' } }, 'job: Invalid value: expected apiVersion batch/v1 and kind Job');
  });

  it('a forged state: Complete without the completions, a log file outside the data dir, foreign pods, nulls', () => {
    const job = stored();
    const now = '2026-01-01T00:00:00.000Z';
    const complete = { type: 'Complete', status: 'True', reason: 'Completed', message: '', lastProbeTime: now, lastTransitionTime: now };
    refused({ job, state: { ...initialState(), completionTime: now, conditions: [complete] } }, 'state.conditions: Invalid value: Complete with 0 of 1 completions succeeded');
    const pod = (name: string, logFile: string) => ({
      name,
      phase: 'Succeeded',
      restartCount: 0,
      creationTimestamp: now,
      running: false,
      containers: [{ name: 'pi', init: false, exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, logTail: '', logTruncated: false, logFile }],
    });
    const withPod = (p: unknown) => ({ job, state: { ...initialState(), podsCreated: 1, finishedPods: [p] } });
    assert.doesNotThrow(() => validateJobInput(withPod(pod('pi-abcde', '/var/lib/dj/logs/default/pi-abcde/pi-0.log'))));
    refused(withPod(pod('pi-abcde', '/etc/shadow')), "state.finishedPods[0].containers[0].logFile: Invalid value: must be a log file of the worker's data dir");
    refused(withPod(pod('pi-abcde', '/x/logs/default/pi-abcde/../../../../etc/p-0.log')), /logFile: Invalid value/);
    refused(withPod(pod('other-abcde', '/x/logs/default/other-abcde/pi-0.log')), 'state.finishedPods[0].name: Invalid value: "other-abcde": not a pod of Job "pi"');
    refused({ job, state: null }, 'state: Invalid value: Invalid input: expected object, received null');
    refused({ job, state: { ...initialState(), succeeded: -3 } }, /^state\.succeeded: Invalid value: /);
    refused({ job, state: { ...initialState(), completedIndexes: [[5, 2]] } }, 'state.completedIndexes[0]: Invalid value: a range must not end before it starts');
  });

  it('completed indexes beyond completions are refused', () => {
    const indexed = stored(PI.replace('spec:\n', 'spec:\n  completionMode: Indexed\n  completions: 3\n'));
    refused({ job: indexed, state: { ...initialState(), completedIndexes: [[0, 7]] } }, 'state.completedIndexes: Invalid value: index 7 is not below completions (3)');
  });

  it('any value at any place of a real input and state is accepted or refused as InvalidJobInput, never thrown otherwise', () => {
    // Anything else thrown would fail the workflow task again and again instead of failing the run.
    const indexed = stored(PI.replace('spec:\n', 'spec:\n  completionMode: Indexed\n  completions: 3\n  parallelism: 2\n'));
    const base = { job: indexed, state: completedState(indexed) };
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, at: Array<string | number>) => {
      paths.push(at);
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...at, Array.isArray(v) ? Number(k) : k]);
    };
    walk(base, []);
    const odd = fc.oneof(fc.constant(null), fc.constant(undefined), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}), fc.array(fc.string(), { maxLength: 2 }));
    fc.assert(
      fc.property(fc.nat(paths.length - 1), odd, (i, value) => {
        const input = structuredClone(base) as Record<string, unknown>;
        const at = paths[i]!;
        if (at.length === 0) return void expectRefusedOrValid(value);
        let parent: Record<string | number, unknown> = input;
        for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        parent[at.at(-1)!] = value;
        expectRefusedOrValid(input);
      }),
      { numRuns: 400, seed: 15 },
    );
  });

  it('a deeply nested input is refused with its path, not a stack overflow', () => {
    const job = stored();
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    refused({ job: withPodSpec(job, { affinity: deep }) }, /^"the workflow input": job\.spec\.template\.spec\.affinity\.a\.\(\d+ more\)\.a\.a\.a: nested more than 100 levels deep/);
  });
});
