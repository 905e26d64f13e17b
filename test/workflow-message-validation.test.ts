// What the Job's handlers accept as arguments (issue 15, section 1): each malformed message is named, so
// a signal is dropped with the reason logged and a query or update is refused with it; what the worker
// and the client really send passes. The server side (nothing wedges, nothing enters history) is in
// workflow-policies.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePatchProblem, pageOf, podDeletionRequestProblem, podStartedProblem, podsQueryProblem, scaleRequestProblem } from '../src/workflows/message-validation';

describe('message arguments', () => {
  it('podStarted: {pod, worker} strings only', () => {
    assert.equal(podStartedProblem({ pod: 'pi-abcde', worker: '1@host' }), undefined);
    assert.equal(podStartedProblem(null), 'podStarted: Invalid value: null: must be an object {pod, worker}');
    assert.equal(podStartedProblem(undefined), 'podStarted: Invalid value: undefined: must be an object {pod, worker}');
    assert.equal(podStartedProblem(['pi-abcde']), 'podStarted: Invalid value: ["pi-abcde"]: must be an object {pod, worker}');
    assert.equal(podStartedProblem({ pod: 5, worker: 'w' }), 'podStarted.pod: Invalid value: 5: must be a pod name');
    assert.equal(podStartedProblem({ pod: '', worker: 'w' }), 'podStarted.pod: Invalid value: "": must be a pod name');
    assert.equal(podStartedProblem({ pod: 'p', worker: { x: 1 } }), 'podStarted.worker: Invalid value: {"x":1}: must be a string');
    assert.match(podStartedProblem('x'.repeat(1000)) ?? '', /^podStarted: Invalid value: "x{76}\.\.\.: must be an object/);
  });

  it('deletePod: {pod, gracePeriodSeconds?, eviction?}', () => {
    for (const ok of [{ pod: 'pi-abcde' }, { pod: 'pi-abcde', gracePeriodSeconds: 0, eviction: true }]) assert.equal(podDeletionRequestProblem(ok), undefined);
    assert.equal(podDeletionRequestProblem('pi-abcde'), 'deletePod: Invalid value: "pi-abcde": must be an object {pod, gracePeriodSeconds?, eviction?}');
    assert.equal(podDeletionRequestProblem({ pod: '' }), 'deletePod.pod: Invalid value: "": must be a pod name');
    assert.equal(podDeletionRequestProblem({ pod: 'p', gracePeriodSeconds: -1 }), 'deletePod.gracePeriodSeconds: Invalid value: -1: must be an integer from 0 to 2147483647');
    assert.equal(podDeletionRequestProblem({ pod: 'p', gracePeriodSeconds: 1.5 }), 'deletePod.gracePeriodSeconds: Invalid value: 1.5: must be an integer from 0 to 2147483647');
    assert.equal(podDeletionRequestProblem({ pod: 'p', eviction: 'yes' }), 'deletePod.eviction: Invalid value: "yes": must be a boolean');
  });

  it('pods query: optional non-negative integers, the page clamped to 1..1000', () => {
    for (const ok of [undefined, null, {}, { offset: 0, limit: 5 }]) assert.equal(podsQueryProblem(ok), undefined);
    assert.equal(podsQueryProblem('x'), 'pods: Invalid value: "x": must be an object {offset?, limit?}');
    assert.equal(podsQueryProblem({ offset: -1 }), 'pods.offset: Invalid value: -1: must be a non-negative integer');
    assert.equal(podsQueryProblem({ limit: 1.5 }), 'pods.limit: Invalid value: 1.5: must be a non-negative integer');
    assert.equal(podsQueryProblem({ limit: '10' }), 'pods.limit: Invalid value: "10": must be a non-negative integer');
    assert.deepEqual(pageOf(undefined), { offset: 0, limit: 100 });
    assert.deepEqual(pageOf({ offset: 3, limit: 0 }), { offset: 3, limit: 1 });
    assert.deepEqual(pageOf({ limit: 5000 }), { offset: 0, limit: 1000 });
  });

  it('patch: a JSON object within the manifest limits; scale: an object with parallelism', () => {
    assert.equal(mergePatchProblem({ spec: { parallelism: 2 } }), undefined);
    assert.equal(mergePatchProblem(null), '<patch>: Invalid value: null: a merge patch must be a JSON object');
    assert.equal(mergePatchProblem([1]), '<patch>: Invalid value: [1]: a merge patch must be a JSON object');
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    assert.match(mergePatchProblem({ spec: deep }) ?? '', /^"the patch": spec\.a\.a.*nested more than 100 levels deep/);
    assert.equal(scaleRequestProblem({ parallelism: 3 }), undefined);
    assert.equal(scaleRequestProblem(null), 'scale: Invalid value: null: must be an object {parallelism, completions?}');
    assert.equal(scaleRequestProblem({ completions: 3 }), 'scale.parallelism: Required value');
  });
});
