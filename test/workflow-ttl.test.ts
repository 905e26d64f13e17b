// ttlSecondsAfterFinished in virtual time (JOB-SEMANTICS 7.1): the removal is a workflow of its own
// that sleeps the TTL on a durable timer. Its own file, so its own test server: run after the lifecycle
// tests' updates in the same environment, the time-skipping server no longer skipped this test's hour
// (not pinned down further; updates that a validator refused are the likely cause).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jobRemovalWorkflowId } from '../src/workflows/messages';
import { makeJob } from './helpers/jobs';
import { assertGap, ms, useJobEnvironment } from './helpers/runs';

describe('ttlSecondsAfterFinished on the time-skipping server', { timeout: 120_000 }, () => {
  const ctx = useJobEnvironment('ttl', { sharedWorker: 'cached' });

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
