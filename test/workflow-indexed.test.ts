// Time-skipping workflow tests of Indexed Jobs (JOB-SEMANTICS 3, 6.5): completion indexes, pod
// names, the downward API, completedIndexes, and a failing index being retried; and, on the same server
// (a test server of its own cost ~3 CPU-s), ttlSecondsAfterFinished (7.1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../src/api/types';
import { makeJob, shellContainer } from './helpers/jobs';
import { jobRemovalWorkflowId } from '../src/workflows/messages';
import { assertGap, byCreation, maxOverlap, ms, useJobEnvironment, SUFFIX } from './helpers/runs';

const INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']";
const INDEX_LABEL = "metadata.labels['batch.kubernetes.io/job-completion-index']";
const JOB_NAME_LABEL = "metadata.labels['batch.kubernetes.io/job-name']";

/** Prints `<JOB_COMPLETION_INDEX> <annotation> <label> <job-name label>` and runs `then`. */
function indexEcho(then = 'exit 0'): Container {
  const c = shellContainer(`echo "$JOB_COMPLETION_INDEX $FROM_ANNOTATION $FROM_LABEL $JOB"; sleep 0.3; ${then}`);
  c.env = [
    { name: 'FROM_ANNOTATION', valueFrom: { fieldRef: { fieldPath: INDEX_ANNOTATION } } },
    { name: 'FROM_LABEL', valueFrom: { fieldRef: { fieldPath: INDEX_LABEL } } },
    { name: 'JOB', valueFrom: { fieldRef: { fieldPath: JOB_NAME_LABEL } } },
  ];
  return c;
}

// A broken controller can make a Job run forever: fail the test instead of hanging the suite.
describe('Indexed Jobs on the time-skipping server (3)', { timeout: 120_000 }, () => {
  const ctx = useJobEnvironment('indexed', { sharedWorker: 'cached' });

  it('runs each index once, lowest first, two at a time; each pod sees its index', async () => {
    const run = await ctx.run(makeJob('idx', { completionMode: 'Indexed', completions: 5, parallelism: 2 }, [indexEcho()]));
    assert.equal(run.outcome?.type, 'Complete');
    assert.equal(run.outcome?.reason, 'CompletionsReached');
    assert.equal(run.status.succeeded, 5);
    assert.equal(run.status.failed, 0);
    assert.equal(run.status.completedIndexes, '0-4');
    assert.equal(run.pods.length, 5);
    const pods = byCreation(run.pods);
    assert.deepEqual(
      pods.map((p) => p.index),
      [0, 1, 2, 3, 4],
      'indexes are handed out lowest first',
    );
    assert.equal(pods[0].creationTimestamp, pods[1].creationTimestamp, 'indexes 0 and 1 start together');
    for (const p of pods) {
      const i = p.index!;
      assert.match(p.name, new RegExp(`^idx-${i}-${SUFFIX}$`));
      assert.equal(p.phase, 'Succeeded');
      assert.equal(p.containers?.[0].logTail, `${i} ${i} ${i} idx\n`, `pod ${p.name}`);
    }
    assert.equal(maxOverlap(run.pods), 2);
    assert.equal(maxOverlap(run.pods, 'creationTimestamp'), 2);
  });

  it('retries an index that failed once; completedIndexes still 0-4, failed 1', async () => {
    const marker = `${ctx.scratch.dir}/index-2-failed`;
    const then = `if [ "$JOB_COMPLETION_INDEX" = 2 ] && [ ! -e ${marker} ]; then touch ${marker}; exit 7; fi`;
    const run = await ctx.run(makeJob('idx-retry', { completionMode: 'Indexed', completions: 5, parallelism: 2 }, [indexEcho(then)]));
    assert.equal(run.outcome?.type, 'Complete');
    assert.equal(run.status.succeeded, 5);
    assert.equal(run.status.failed, 1);
    assert.equal(run.status.completedIndexes, '0-4');
    assert.equal(run.pods.length, 6);
    const pods = byCreation(run.pods);
    const twos = pods.filter((p) => p.index === 2);
    assert.equal(twos.length, 2);
    const [failed, retried] = twos;
    assert.equal(failed.phase, 'Failed');
    assert.equal(failed.containers?.[0].exitCode, 7);
    assert.equal(retried.phase, 'Succeeded');
    for (const p of twos) assert.match(p.name, new RegExp(`^idx-retry-2-${SUFFIX}$`));
    assert.notEqual(failed.name, retried.name);
    // Not strictly later: when another index's success is folded in after the failure in the same
    // workflow task, Kubernetes' backoff counts only failures after the latest success (none), so the
    // retry is created at that same instant (seen on a loaded machine).
    assert.ok(ms(retried.creationTimestamp) >= ms(failed.finishedAt), `retry created ${retried.creationTimestamp}, failed pod finished ${failed.finishedAt}: ${JSON.stringify(byCreation(run.pods).map((p) => [p.name, p.phase, p.creationTimestamp, p.startTime, p.finishedAt]))}`);
    // Every other index ran exactly once.
    assert.deepEqual(
      pods.filter((p) => p.index !== 2).map((p) => [p.index, p.phase]),
      [
        [0, 'Succeeded'],
        [1, 'Succeeded'],
        [3, 'Succeeded'],
        [4, 'Succeeded'],
      ],
    );
  });

  it('completedIndexes formats runs of two and of three or more (3)', async () => {
    // Indexes 2 and 5 fail after the others have succeeded: failed 2 > backoffLimit 1 ends the Job
    // before either is retried (the 10 s backoff cannot pass while the other one still runs).
    const then = 'case "$JOB_COMPLETION_INDEX" in 2|5) sleep 1; exit 1;; esac';
    const run = await ctx.run(
      makeJob('idx-gaps', { completionMode: 'Indexed', completions: 7, parallelism: 7, backoffLimit: 1 }, [indexEcho(then)]),
    );
    assert.equal(run.outcome?.type, 'Failed');
    assert.equal(run.outcome?.reason, 'BackoffLimitExceeded');
    assert.equal(run.status.completedIndexes, '0,1,3,4,6');
    assert.equal(run.status.succeeded, 5);
    assert.equal(run.status.failed, 2);
  });

  // The removal is a workflow of its own that sleeps the TTL on a durable timer. Not in a file whose
  // updates a validator refused: after the lifecycle tests' updates in the same environment, the
  // time-skipping server no longer skipped this test's hour (not pinned down further).
  it('ttlSecondsAfterFinished: the removal waits the TTL in virtual time in a workflow of its own', async () => {
    const started = await ctx.env.start(makeJob('ttl', { ttlSecondsAfterFinished: 3600 }));
    const run = await started.result();
    const removal = ctx.env.env.client.workflow.getHandle(jobRemovalWorkflowId(started.handle.workflowId, (await started.handle.describe()).runId));
    // The time-skipping server cannot delete executions; the removal fails there, at the right time.
    await assert.rejects(removal.result(), (err: Error) => {
      const causes: string[] = [];
      for (let e: unknown = err; e instanceof Error; e = e.cause) causes.push(e.message);
      return causes.some((m) => m.includes('this Temporal server cannot delete workflow executions'));
    });
    const closed = await removal.describe();
    const completeAt = ms(run.status.completionTime);
    assertGap(closed.closeTime!.getTime() - completeAt, 3600_000, 'TTL', 5_000);
    assert.equal(run.outcome?.type, 'Complete');
    const job = await started.handle.describe();
    assert.equal(job.status.name, 'COMPLETED', "the Job's own history closed when it finished");
  });
});
