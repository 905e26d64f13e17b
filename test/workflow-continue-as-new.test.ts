// A Job across continue-as-new on the time-skipping server, with real shell pods and thresholds small
// enough that a few pods cross several runs: counts stay exact, pods running at the boundary are drained
// (ended and counted in the run that started them), and updates, deadlines and delete behave the same
// on either side of the boundary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { JobStatus } from '../src/api/types';
import type { StartedJob } from '../src/testing';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { ms, until, useJobEnvironment } from './helpers/runs';
import { countOf, endedActivities, runChain, type Run } from './helpers/run-chain';

/** Few enough events that a run ends after a pod or two. */
const SMALL = { continueAsNew: { historyEvents: 10 } };

async function statusWhen(job: StartedJob, what: string, ok: (s: JobStatus) => boolean): Promise<JobStatus> {
  return until(what, async () => {
    const s = await job.status();
    return ok(s) ? s : undefined;
  });
}

/**
 * Every run but the last continued as new, and no run closed with a pod activity still pending. The last
 * run completed, or failed for a Failed Job (`finalEvent`).
 */
function assertCleanChain(runs: Run[], finalEvent?: string): void {
  runs.forEach((r, i) => {
    const last = r.types[r.types.length - 1];
    assert.equal(last, i < runs.length - 1 ? 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW' : (finalEvent ?? 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED'), `run ${i + 1}`);
    assert.equal(endedActivities(r.types), countOf(r.types, 'ACTIVITY_TASK_SCHEDULED'), `run ${i + 1}: every pod it started ended in it`);
  });
}

function scheduled(runs: Run[]): number {
  return runs.reduce((n, r) => n + countOf(r.types, 'ACTIVITY_TASK_SCHEDULED'), 0);
}

describe('a Job across continue-as-new', { timeout: 240_000 }, () => {
  const ctx = useJobEnvironment('can', { sharedWorker: 'cached' });

  it('NonIndexed: counts are exact across several runs', async () => {
    const started = await ctx.env.start(makeJob('can-nonindexed', { completions: 9, parallelism: 3 }, [shellContainer('true')]), SMALL);
    const run = await started.result();
    assert.equal(run.outcome?.reason, 'CompletionsReached');
    assert.deepEqual([run.status.succeeded, run.status.failed, run.status.active], [9, 0, 0]);
    const runs = await runChain(ctx.env.env.client, started.handle.workflowId, started.handle.firstExecutionRunId);
    assert.ok(runs.length >= 3, `expected several runs, got ${runs.length}`);
    assertCleanChain(runs);
    assert.equal(scheduled(runs), 9, 'each of the 9 pods started once, in whichever run');
    assert.equal(new Set(run.pods.map((p) => p.name)).size, 9, 'the result remembers the 9 pods across runs');
    assert.equal(run.podsDropped, 0);
    assert.equal(run.events.filter((e) => e.reason === 'SuccessfulCreate').reduce((n, e) => n + e.count, 0), 9);
  });

  it('Indexed: every index completes once across several runs', async () => {
    const job = makeJob('can-indexed', { completionMode: 'Indexed', completions: 8, parallelism: 3 }, [shellContainer('true')]);
    const started = await ctx.env.start(job, SMALL);
    const run = await started.result();
    assert.deepEqual([run.status.succeeded, run.status.failed, run.status.completedIndexes], [8, 0, '0-7']);
    const runs = await runChain(ctx.env.env.client, started.handle.workflowId, started.handle.firstExecutionRunId);
    assert.ok(runs.length >= 3, `expected several runs, got ${runs.length}`);
    assertCleanChain(runs);
    assert.equal(scheduled(runs), 8);
    assert.deepEqual(run.pods.map((p) => p.index).sort((a, b) => (a ?? 0) - (b ?? 0)), [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('pods running at the boundary end and are counted in the run that started them', async () => {
    const started = await ctx.env.start(makeJob('can-running', { completions: 4, parallelism: 2 }, [shellContainer('sleep 2')]), SMALL);
    const run = await started.result();
    assert.deepEqual([run.status.succeeded, run.status.failed], [4, 0]);
    const runs = await runChain(ctx.env.env.client, started.handle.workflowId, started.handle.firstExecutionRunId);
    assertCleanChain(runs);
    // The first run passed its threshold while its two pods ran: it started no third pod, waited for both.
    assert.equal(countOf(runs[0].types, 'ACTIVITY_TASK_SCHEDULED'), 2);
    assert.equal(countOf(runs[0].types, 'ACTIVITY_TASK_COMPLETED'), 2);
    assert.equal(scheduled(runs), 4);
    assert.ok(runs.length >= 2);
  });

  it('a suspend at the boundary is answered by the draining run and holds in the next; resume and scale work there', async () => {
    const tok = token();
    // The pods end only once the gate is open (after the suspend has held and the scale is done): the
    // first run's two are cancelled by the suspend however slow the machine, and the resumed run's finish.
    const gate = `${ctx.scratch.dir}/gate`;
    const job = makeJob('can-suspend', { completions: 2, parallelism: 2 }, [shellContainer(`while [ ! -e ${gate} ]; do sleep 0.1; done; echo ${tok}`)]);
    const started = await ctx.env.start(job, SMALL);
    // Both pods announced: the first run is past its threshold and drains.
    await statusWhen(started, 'two running pods', (s) => s.ready === 2);
    const firstRun = (await started.handle.describe()).runId;
    const suspended = await started.suspend();
    assert.equal(suspended.spec.suspend, true);
    await until('the next run', async () => ((await started.handle.describe()).runId !== firstRun ? true : undefined));
    const s = await statusWhen(started, 'suspended in the next run', (x) => x.conditions.some((c) => c.type === 'Suspended' && c.status === 'True'));
    assert.deepEqual([s.active, s.terminating, s.failed], [0, 0, 0], 'suspend deletions are not failures');
    assert.deepEqual(processesWith(ctx.scratch.dir), []);
    await started.resume();
    await started.scale({ parallelism: 1 });
    // Opened only now: a resumed pod ending while the scale-down cancels it meets the test server's
    // ACTIVITY_UNKNOWN loss (see the README's testing section).
    fs.writeFileSync(gate, '');
    const run = await started.result();
    assert.deepEqual([run.status.succeeded, run.status.failed], [2, 0]);
    assert.equal(run.job.spec.parallelism, 1);
    assert.ok(run.events.some((e) => e.reason === 'Resumed'));
    const runs = await runChain(ctx.env.env.client, started.handle.workflowId, started.handle.firstExecutionRunId);
    assertCleanChain(runs);
    assert.equal(countOf(runs[0].types, 'WORKFLOW_EXECUTION_UPDATE_COMPLETED'), 1, 'the first run answered the suspend');
    assert.equal(countOf(runs[0].types, 'ACTIVITY_TASK_CANCELED'), 2, 'and took its pods down before handing over');
  });

  it('a delete at the boundary takes the pods down and ends the Job in that run', async () => {
    const tok = token();
    const started = await ctx.env.start(makeJob('can-delete', { completions: 4, parallelism: 2 }, [shellContainer(`sleep 1000.${tok}`)]), SMALL);
    await statusWhen(started, 'two running pods', (s) => s.ready === 2);
    const deleted = await started.delete();
    assert.deepEqual([deleted.status.active, deleted.status.terminating], [0, 0]);
    assert.deepEqual(processesWith(tok), [], 'delete returns once the pod processes are gone');
    const result = await started.handle.result();
    assert.equal(result.deleted, true);
    assert.equal(result.job.status.failed, 0);
    const runs = await runChain(ctx.env.env.client, started.handle.workflowId, started.handle.firstExecutionRunId);
    assert.equal(runs.length, 1, 'a deleted Job does not continue as new');
  });

  it("activeDeadlineSeconds counts from the Job's start, not the run's", async () => {
    // Short pods cross several runs until 1.5 s after the first pod started; pods started later run until
    // the deadline stops them. A pod that ends while the task cancelling it at the deadline runs would
    // race that cancel, which the time-skipping server answers with ACTIVITY_UNKNOWN and then never hands
    // out the task again (a limit of that server: the wait would fail with StuckWorkflowTaskError, see
    // src/testing/stuck-task.ts). Counting pods instead of time let a short pod meet the deadline on a
    // loaded machine, where five short pods took longer than the 4 s.
    const first = `${ctx.scratch.dir}/first-start`;
    const script = `[ -f ${first} ] || date +%s%N > ${first}; age=$(( ($(date +%s%N) - $(cat ${first})) / 1000000 )); if [ "$age" -ge 1500 ]; then sleep 1000; else sleep 0.3; fi`;
    const job = makeJob('can-deadline', { completions: 50, parallelism: 1, activeDeadlineSeconds: 4 }, [shellContainer(script)]);
    const started = await ctx.env.start(job, SMALL);
    const run = await started.result();
    assert.equal(run.outcome?.reason, 'DeadlineExceeded');
    const runs = await runChain(ctx.env.env.client, started.handle.workflowId, started.handle.firstExecutionRunId);
    assert.ok(runs.length >= 2, `expected several runs before the deadline, got ${runs.length}`);
    assertCleanChain(runs, 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
    const failedAt = ms(run.status.conditions.find((c) => c.type === 'Failed')?.lastTransitionTime);
    const elapsed = failedAt - ms(run.status.startTime);
    // Late only by how long the loaded machine took to run the workflow task that noticed it.
    assert.ok(elapsed >= 4_000 && elapsed < 4_000 + 15_000, `failed ${elapsed} ms after the Job started`);
    // Set once, in the first run: no later run restarted the clock.
    const secondRunStart = runs[1].history.events?.[0]?.eventTime;
    assert.ok(secondRunStart, 'the second run has a start time');
    const secondMs = Number(secondRunStart.seconds) * 1000 + Math.floor((secondRunStart.nanos ?? 0) / 1e6);
    assert.ok(ms(run.status.startTime) <= secondMs, "startTime is the first run's");
  });

  it('a 600 KB pod template starts (a few pods per workflow task) and completes', async () => {
    // Six 100 KB variables: one pod's activity input is ~600 KB, so ten at once would be a 6 MB task.
    const env = Array.from({ length: 6 }, (_, i) => ({ name: `BULK_${i}`, value: String(i).repeat(100_000) }));
    const job = makeJob('big-template', { completions: 10, parallelism: 10 }, [{ ...shellContainer('test ${#BULK_5} -eq 100000'), env }]);
    const started = await ctx.env.start(job);
    const run = await started.result();
    assert.deepEqual([run.status.succeeded, run.status.failed], [10, 0]);
    assert.equal(new Set(run.pods.map((p) => p.name)).size, 10);
    // (Its history holds the template once per pod, ~6 MB: more than one gRPC message, so it is not read here.)
  });
});
