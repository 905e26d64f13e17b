// `durable-jobs/testing` as a product (issue 13 section 2): what tests written against it ran into.
// Each case failed before: a wait on a Job nobody moved hung; time stopped skipping for good after a
// delete, a terminate or a TTL removal (the time-skipping server's stray time locks, see
// src/testing/time-locks.ts); delete() returned before the Job's workflow closed and its name stayed
// taken; a refused change said only "Workflow Update failed"; a test whose worker was abandoned kept its
// pods running; teardown() with calls pending hung. One server for the file: the last case tears it down.
// First, the job workflow itself through the same API (it had a test file and a server of its own).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobTestEnvironment, StuckWorkflowTaskError, type StartedJob } from '../src/testing';
import type { JobStatus } from '../src/api/types';
import { jobRemovalWorkflowId } from '../src/workflows/messages';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { until } from './helpers/runs';

const active = (job: StartedJob, n: number) => until(`${job.name}: ${n} active`, async () => ((await job.status()).active === n ? true : undefined), 60_000);
const conditions = (s: JobStatus) => s.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('durable-jobs/testing on the time-skipping server', { timeout: 300_000 }, () => {
  let env: JobTestEnvironment;
  before(async () => {
    env = await JobTestEnvironment.create();
  });
  after(async () => {
    await env?.teardown();
  });

  // First, while nothing has disturbed the server: the job workflow as the README's example runs it
  // (env.run, a fresh worker that replays every task), virtual time for the backoff, and the failure a
  // Failed Job leaves in its workflow's history.
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

  it('a Job whose workflow task nobody finishes fails the wait with the history\'s last events, instead of hanging', async () => {
    const job = await env.start(makeJob('unattended'));
    // No worker runs: the first workflow task stays scheduled, as a task the server dropped stays started.
    await assert.rejects(job.result({ stuckTaskMs: 2_000 }), (err: Error) => {
      assert.ok(err instanceof StuckWorkflowTaskError, String(err));
      assert.match(err.message, /^Job default\/unattended is stuck: its workflow task \(event 2, WORKFLOW_TASK_SCHEDULED\) has been outstanding/);
      assert.match(err.message, /no worker polls task queue "durable-jobs-test-\d+"/);
      assert.match(err.message, /\n {2}1 \S+ WORKFLOW_EXECUTION_STARTED\n {2}2 \S+ WORKFLOW_TASK_SCHEDULED$/);
      return true;
    });
    await job.terminate('left unattended');
  });

  it('a run reports pods created, peak active, and each pod in creation order with labels, annotations and env as it saw them', async () => {
    const container = {
      ...shellContainer('true'),
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'GREETING', value: 'hi $(POD)' },
      ],
    };
    const run = await env.run(makeJob('report', { completions: 3, parallelism: 2, completionMode: 'Indexed' }, [container]));
    assert.equal(run.outcome?.type, 'Complete');
    // The wait skipped time in steps: the clock did not jump to the pods' stale ten-year activity timeouts.
    const past = (await env.currentTimeMs()) - Date.parse(run.status.completionTime!);
    assert.ok(past < 86_400_000, `the clock ran ${past} ms past the Job's end`);
    assert.equal(run.podsCreated, 3);
    assert.equal(run.peakActive, 2);
    assert.deepEqual(run.created.map((p) => p.index), [0, 1, 2]);
    for (const pod of run.created) {
      const index = String(pod.index);
      assert.equal(pod.record?.phase, 'Succeeded');
      assert.equal(pod.labels?.['batch.kubernetes.io/job-completion-index'], index);
      assert.equal(pod.labels?.['job-name'], 'report');
      assert.equal(pod.annotations?.['batch.kubernetes.io/job-completion-index'], index);
      const seen = pod.env?.main;
      assert.equal(seen?.POD, pod.name);
      assert.equal(seen?.GREETING, `hi ${pod.name}`);
      assert.equal(seen?.JOB_COMPLETION_INDEX, index);
      assert.equal(seen?.HOSTNAME, `report-${index}`);
    }
  });

  it('resume() of a Job created suspended answers with the conditions status() shows, before and after its first sync', async () => {
    const tok = token();
    const early = await env.start(makeJob('resume-early', { suspend: true }, [shellContainer(`sleep 60 # ${tok}`)]));
    const late = await env.start(makeJob('resume-late', { suspend: true }, [shellContainer(`sleep 60 # ${tok}`)]));
    await env.runWorker(async () => {
      const earlyReply = await early.resume();
      assert.deepEqual(conditions(earlyReply.status), conditions(await early.status()));
      await until('resume-late suspended', async () => (conditions(await late.status()).includes('Suspended=True/JobSuspended') ? true : undefined));
      const lateReply = await late.resume();
      assert.deepEqual(conditions(lateReply.status), ['Suspended=False/JobResumed']);
      assert.deepEqual(conditions(lateReply.status), conditions(await late.status()));
      await early.delete();
      await late.delete();
    });
  });

  it('time keeps skipping after a delete, a terminate and a TTL removal; delete() waits for the close, and frees the name', async (t) => {
    const tok = token();
    const first = await env.start(makeJob('reused', {}, [shellContainer(`sleep 60 # ${tok}`)]));
    const removals: string[] = [];
    await env.runWorker(
      async () => {
        await active(first, 1);
        await assert.rejects(first.patch({ spec: { completions: 5 } }), (err: Error) => {
          assert.match(err.message, /^The Job "reused" is invalid: spec\.completions: Invalid value: 5: field is immutable$/);
          return true;
        });
        await first.delete();
        assert.equal((await first.handle.describe()).status.name, 'COMPLETED', 'closed when delete() returned');
        removals.push(jobRemovalWorkflowId(first.handle.workflowId, first.handle.firstExecutionRunId));

        const second = await env.start(makeJob('reused', {}, [shellContainer(`sleep 60 # ${tok}`)]));
        await active(second, 1);
        await second.terminate('a pod still running');

        const ttl = await env.start(makeJob('ttl-zero', { ttlSecondsAfterFinished: 0 }));
        await ttl.result();
        removals.push(jobRemovalWorkflowId(ttl.handle.workflowId, ttl.handle.firstExecutionRunId));
        const closed = (id: string) => until(`${id} closed`, async () => ((await env.env.client.workflow.getHandle(id).describe()).status.name === 'RUNNING' ? undefined : true), 60_000);
        for (const id of removals) await closed(id);
        // A day with nothing running: skipped, not waited for. Each removal above, and the terminate, left
        // the server a time lock it never releases: without the environment releasing them, time passed at
        // the wall clock's pace from here on and this sleep took a day.
        const before = await env.currentTimeMs();
        await env.sleep(86_400_000);
        assert.ok((await env.currentTimeMs()) - before >= 86_400_000);
      },
      { signal: t.signal },
    );
    assert.ok(env.strayTimeLocksReleased >= 3, `stray locks released: ${env.strayTimeLocksReleased}`);
    assert.equal(processesWith(tok).length, 0);
  });

  it('an aborted runWorker (a test that timed out) stops its worker and its pods', async () => {
    const tok = token();
    const job = await env.start(makeJob('abandoned', {}, [shellContainer(`sleep 60 # ${tok}`)]));
    const stop = new AbortController();
    await assert.rejects(
      env.runWorker(
        async () => {
          await active(job, 1);
          stop.abort(new Error('the test timed out'));
          return new Promise<never>(() => undefined);
        },
        { signal: stop.signal },
      ),
      /the test timed out/,
    );
    assert.equal(processesWith(tok).length, 0, 'the pod ended with its worker');
    await job.terminate('abandoned');
  });

  it('teardown() with a wait, a sleep and a worker pending: each rejects, the pod stops, nothing hangs', async () => {
    const tok = token();
    const job = await env.start(makeJob('pending', {}, [shellContainer(`sleep 60 # ${tok}`)]));
    const working = env.runWorker(async () => {
      await active(job, 1);
      return job.result();
    });
    working.catch(() => undefined);
    await until('the pod running', () => (processesWith(tok).length > 0 ? true : undefined), 60_000);
    const sleeping = env.sleep(3_600_000);
    sleeping.catch(() => undefined);
    await env.teardown();
    await assert.rejects(working, /torn down/);
    await assert.rejects(sleeping, /torn down/);
    assert.equal(processesWith(tok).length, 0);
    await assert.rejects(env.start(makeJob('after-teardown')), /torn down/);
  });
});
