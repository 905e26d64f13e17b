// `durable-jobs/testing` as a product (issue 13 section 2): what tests written against it ran into.
// Each case failed before: a wait on a Job nobody moved hung; time stopped skipping for good after a
// delete, a terminate or a TTL removal (the time-skipping server's stray time locks, see
// src/testing/time-locks.ts); delete() returned before the Job's workflow closed and its name stayed
// taken; a refused change said only "Workflow Update failed"; a test whose worker was abandoned kept its
// pods running; teardown() with calls pending hung. One server for the file: the last case tears it down.
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
