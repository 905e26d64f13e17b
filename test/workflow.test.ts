// Time-skipping workflow tests: the real job workflow, real shell pods, virtual time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobTestEnvironment } from '../src/testing';
import { makeJob, shellContainer } from './helpers/jobs';

describe('job workflow on the time-skipping server', () => {
  let env: JobTestEnvironment;
  before(async () => {
    env = await JobTestEnvironment.create();
  });
  after(async () => {
    await env?.teardown();
  });

  it('runs a one-pod Job to Complete and keeps the pod log', async () => {
    const run = await env.run(makeJob('hello', {}, [shellContainer('echo hello from $HOSTNAME; echo to-stderr >&2')]));
    assert.deepEqual(run.outcome, { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    assert.deepEqual(
      run.status.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['SuccessCriteriaMet=True/CompletionsReached', 'Complete=True/CompletionsReached'],
    );
    assert.equal(run.status.succeeded, 1);
    assert.equal(run.status.failed, 0);
    assert.equal(run.status.active, 0);
    assert.ok(run.status.startTime && run.status.completionTime);
    assert.equal(run.pods.length, 1);
    const [pod] = run.pods;
    assert.match(pod.name, /^hello-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(pod.phase, 'Succeeded');
    assert.match(pod.worker ?? '', /^\d+@/, 'the worker that ran the pod is recorded');
    assert.ok(pod.startTime, 'the pod announced its start');
    assert.equal(pod.containers?.[0].exitCode, 0);
    assert.equal(pod.containers?.[0].logTail, `hello from ${pod.name}\nto-stderr\n`);
    assert.deepEqual(run.events.map((e) => e.reason), ['SuccessfulCreate', 'Completed']);
  });

  it('retries a failing pod with 10 s, 20 s, 40 s backoff until BackoffLimitExceeded', async () => {
    const backoffLimit = 3;
    const run = await env.run(makeJob('always-fails', { backoffLimit }, [shellContainer('echo attempt; exit 3')]));
    assert.deepEqual(run.outcome, { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    assert.equal(run.pods.length, backoffLimit + 1);
    assert.equal(run.status.failed, backoffLimit + 1);
    assert.equal(run.status.succeeded, 0);
    assert.equal(run.status.completionTime, undefined);
    for (const pod of run.pods) {
      assert.equal(pod.phase, 'Failed');
      assert.equal(pod.containers?.[0].exitCode, 3);
      assert.equal(pod.containers?.[0].reason, 'Error');
    }
    // Virtual time: each replacement is created exactly the backoff delay after the previous pod failed.
    const expected = [10_000, 20_000, 40_000];
    run.pods.slice(1).forEach((pod, i) => {
      const prev = run.pods[i];
      const gap = Date.parse(pod.creationTimestamp) - Date.parse(prev.finishedAt!);
      assert.ok(gap >= expected[i] && gap < expected[i] + 1500, `gap ${i + 1} was ${gap} ms, expected ${expected[i]} ms`);
      const startToStart = Date.parse(pod.creationTimestamp) - Date.parse(prev.creationTimestamp);
      assert.ok(startToStart >= expected[i] && startToStart < expected[i] + 5000, `start-to-start ${startToStart} ms`);
    });
    assert.deepEqual(
      run.events.map((e) => e.reason),
      ['SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate', 'SuccessfulCreate', 'BackoffLimitExceeded'],
    );
  });

  it('a Failed Job fails its workflow (type = reason, details = the Job) and each failed pod fails its activity', async () => {
    const started = await env.start(makeJob('red', { backoffLimit: 1 }, [shellContainer('echo first line; echo boom >&2; exit 3')]));
    const run = await env.runWorker(() => started.result());
    assert.equal(run.outcome?.reason, 'BackoffLimitExceeded', 'the testing API reads the final Job from the failure');
    assert.equal(run.status.failed, 2);
    const description = await started.handle.describe();
    assert.equal(description.status.name, 'FAILED');
    const history = await started.handle.fetchHistory();
    const events = history.events ?? [];
    const failedActivities = events.filter((e) => e.activityTaskFailedEventAttributes).map((e) => e.activityTaskFailedEventAttributes!.failure!);
    assert.equal(failedActivities.length, 2);
    for (const [i, f] of failedActivities.entries()) {
      const pod = run.pods[i];
      assert.equal(f.applicationFailureInfo?.type, 'PodFailed');
      assert.equal(f.message, `pod ${pod.name} · exit 3 · Error\ncontainer "main" exited with code 3\n--- last lines of container "main":\nfirst line\nboom`);
    }
    const closed = events.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
    assert.equal(closed?.applicationFailureInfo?.type, 'BackoffLimitExceeded');
    assert.equal(closed?.message, 'Job has reached the specified backoff limit');
    assert.equal(closed?.applicationFailureInfo?.nonRetryable, true);
  });
});
