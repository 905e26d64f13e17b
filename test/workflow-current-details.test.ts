// The Web UI's current details of a Job, built from controller states (no server: the text is pure).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifests } from '../src/api';
import { apply, initialState, reconcile } from '../src/controller';
import { describeState } from '../src/workflows/current-details';

const [job] = parseManifests(`
apiVersion: batch/v1
kind: Job
metadata: {name: pi, namespace: default, uid: 00000000-0000-0000-0000-000000000001, creationTimestamp: "2026-11-28T10:00:00Z"}
spec:
  completions: 5
  parallelism: 2
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl, command: ["true"]}]
`);

/** Distinct pod name suffixes, as the controller needs (it draws again on a clash). */
function suffixes(from = 0): () => string {
  let n = from;
  return () => String(n++).padStart(5, '0');
}

describe("a Job's current details in the Web UI", () => {
  it('a running Job: phase, counts in words (no "2/5" fraction), its active pods, its last events', () => {
    const state = initialState();
    const { decisions } = reconcile(job, state, { now: Date.parse('2026-11-28T10:00:01Z'), randomSuffix: suffixes() });
    assert.equal(decisions.filter((d) => d.type === 'runPod').length, 2);
    const text = describeState(job, state);
    const [phase, counts, active, ...events] = text.split('\n\n');
    assert.equal(phase, '**Running**');
    assert.equal(counts, '0 of 5 completions · active 2 · succeeded 0 · failed 0');
    assert.match(active, /^Active pods: `pi-0000[01]`, `pi-0000[01]`$/);
    assert.match(events.join('\n\n'), /^Last events:\n\n- Normal SuccessfulCreate: Created pod: pi-.*\n- Normal SuccessfulCreate: Created pod: pi-/);
    assert.doesNotMatch(text, /\d\/\d/);
  });

  it('a failed Job: phase and reason, then the condition message', () => {
    const state = initialState();
    const { decisions } = reconcile(job, state, { now: Date.parse('2026-11-28T10:00:01Z'), randomSuffix: suffixes() });
    const first = decisions.find((d) => d.type === 'runPod');
    assert.ok(first && first.type === 'runPod');
    const at = Date.parse('2026-11-28T10:00:05Z');
    apply(job, state, { type: 'podFinished', pod: first.pod, at, result: { phase: 'Failed', worker: 'w', startedAt: '2026-11-28T10:00:02Z', finishedAt: '2026-11-28T10:00:05Z', containers: [] } });
    // FailureTarget first: the other pod is stopped, and only then is the Job Failed.
    const stop = reconcile(job, state, { now: at, randomSuffix: suffixes(100) }).decisions.find((d) => d.type === 'deletePod');
    assert.ok(stop && stop.type === 'deletePod');
    apply(job, state, { type: 'podCancelled', pod: stop.pod, at: at + 1000 });
    reconcile(job, state, { now: at + 1000, randomSuffix: suffixes(200) });
    const [phase, message] = describeState(job, state).split('\n\n');
    assert.equal(phase, '**Failed** · BackoffLimitExceeded');
    assert.equal(message, 'Job has reached the specified backoff limit');
  });
});
