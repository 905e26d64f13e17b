// End to end on a dev server: a Job whose workflow continued as new several times is still one Job to
// the client and to jobctl (get, list, describe, logs, wait, delete), and deleting it removes every run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobsClient } from '../src/client/jobs';
import { NotFoundError } from '../src/client/errors';
import { makeJob, shellContainer } from './helpers/jobs';
import { startJobctlServer, type JobctlServer } from './helpers/jobctl-server';

describe('one Job across runs, seen by the client and jobctl', { timeout: 180_000 }, () => {
  let s: JobctlServer;
  before(async () => {
    s = await startJobctlServer('client-can');
  });
  after(async () => {
    await s?.teardown();
  });

  async function rows(workflowId: string): Promise<string[]> {
    const out: string[] = [];
    for await (const wf of s.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) out.push(wf.status.name);
    return out.sort();
  }

  it('get, list, describe, logs, wait and delete see one Job; delete removes every run and frees the name', async () => {
    const jobs = new JobsClient(s.env.client, { taskQueue: s.taskQueue, dataDir: s.dataDir });
    // A run holds ~5 pods within 30 events, fewer or more as pod results batch into workflow tasks:
    // 24 pods make several runs however they batch (12 once made only two).
    const job = makeJob('chain', { completions: 24, parallelism: 2 }, [shellContainer('echo pod of chain')]);
    await jobs.create(job, { continueAsNew: { historyEvents: 30 } });
    const done = await jobs.wait('default', 'chain', 'complete', 120_000);
    assert.deepEqual([done.status.succeeded, done.status.failed], [24, 0]);

    // Visibility is eventually consistent, run by run: wait for the closed runs to show before counting.
    let all: string[] = [];
    const several = (r: string[]): boolean => r.includes('COMPLETED') && r.filter((x) => x === 'CONTINUED_AS_NEW').length >= 2;
    for (let i = 0; i < 50 && !several(all); i++) {
      all = await rows('job/default/chain');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(all.filter((r) => r === 'CONTINUED_AS_NEW').length >= 2, `several runs: ${all.join(', ')}`);

    const list = await jobs.list({ namespace: 'default' });
    assert.deepEqual(list.items.map((i) => [i.job.metadata.name, i.job.status.succeeded]), [['chain', 24]], 'one row for the Job');
    const table = await s.jobctl(['get', 'jobs']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout.trim().split('\n').length, 2, `header and one row:\n${table.stdout}`);
    assert.match(table.stdout, /chain\s+Complete\s+24\/24/);

    const got = await jobs.get('default', 'chain');
    assert.deepEqual([got.source, got.job.status.succeeded], ['result', 24]);
    const d = await jobs.describe('default', 'chain');
    assert.equal(d.pods.length, 24, 'the pods of every run');
    assert.equal(d.events.filter((e) => e.reason === 'SuccessfulCreate').reduce((n, e) => n + e.count, 0), 24);
    const logs = await jobs.logs('default', { job: 'chain' });
    assert.match(logs.logs.map((l) => l.text).join(''), /pod of chain/);

    await jobs.delete('default', 'chain');
    await assert.rejects(jobs.get('default', 'chain'), NotFoundError);
    let left = await rows('job/default/chain');
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = await rows('job/default/chain');
    }
    assert.deepEqual(left, [], 'no run of the deleted Job is left behind');
    await jobs.create(makeJob('chain', {}, [shellContainer('true')]));
    await jobs.delete('default', 'chain');
  });

  it('updates and delete reach a running Job whichever run is current', async () => {
    // A run hands over every 30 events: an update can wait for a hand-over and the next run's first task,
    // which on a loaded machine (the suite runs files side by side) takes longer than the 5 s default.
    const jobs = new JobsClient(s.env.client, { taskQueue: s.taskQueue, workerTimeoutMs: 30_000 });
    await jobs.create(makeJob('moving', { completions: 400, parallelism: 2 }, [shellContainer('sleep 0.1')]), { continueAsNew: { historyEvents: 30 } });
    const firstRun = (await jobs.handle('default', 'moving').describe()).runId;
    for (let i = 0; i < 100 && (await jobs.handle('default', 'moving').describe()).runId === firstRun; i++) await new Promise((r) => setTimeout(r, 100));
    // Runs change every pod or two: each change below races a continue-as-new.
    for (let i = 0; i < 4; i++) {
      const scaled = await jobs.scale('default', 'moving', i % 2 === 0 ? 1 : 2);
      assert.equal(scaled.spec.parallelism, i % 2 === 0 ? 1 : 2);
    }
    const suspended = await jobs.suspend('default', 'moving');
    assert.equal(suspended.spec.suspend, true);
    await jobs.resume('default', 'moving');
    await jobs.delete('default', 'moving');
    await assert.rejects(jobs.get('default', 'moving'), NotFoundError);
  });

  it('a worker that polls but does not answer in time is busy, not missing', async () => {
    const taskQueue = `idle-${process.pid}`;
    const jobs = new JobsClient(s.env.client, { taskQueue, workerTimeoutMs: 1_500 });
    await jobs.create(makeJob('unanswered', {}, [shellContainer('true')]));
    const missing = await jobs.get('default', 'unanswered');
    assert.equal(missing.source, 'stored');
    assert.match(missing.warning ?? '', /^no worker is polling task queue/);
    // Something polls the Job's task queue and takes its workflow task, but never answers: a worker too
    // busy to get to the query before the deadline. A real worker keeps several polls open, which reach
    // every partition of the queue (the server reports the pollers of the root one); so do these.
    const stop = new AbortController();
    const poll = Promise.all(
      Array.from({ length: 8 }, () =>
        s.env.client
          .withDeadline(Date.now() + 60_000, () =>
            s.env.client.withAbortSignal(stop.signal, () =>
              s.env.client.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'busy-worker' }),
            ),
          )
          .catch(() => undefined),
      ),
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const busy = await jobs.get('default', 'unanswered');
      assert.equal(busy.source, 'stored');
      assert.match(busy.warning ?? '', /did not answer in time .*the worker is busy/);
    } finally {
      stop.abort();
      await poll;
      await s.env.client.workflow.getHandle('job/default/unanswered').terminate('test over');
      await s.env.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: 'job/default/unanswered' } }).catch(() => undefined);
    }
  });
});
