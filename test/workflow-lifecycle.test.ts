// Changing a running Job (JOB-SEMANTICS 1.3, 2.8, 2.11, 2.12, 7.1) on the time-skipping server with real
// shell pods: updates with synchronous validators, suspend and resume across the deadline, scale, patch,
// delete (no process left). The test server does not skip
// time while an activity runs, so deadlines that must cut a running pod are a few real seconds long.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import type { JobStatus } from '../src/api/types';
import type { StartedJob } from '../src/testing';
import { makeJob, shellContainer } from './helpers/jobs';
import { eventually, processesWith, token } from './helpers/procs';
import { assertGap, ms, until, useJobEnvironment } from './helpers/runs';

/** The rejection an update fails with: the validator's ApplicationFailure. */
async function rejection(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected an update failure, got ${String(err)}`);
    assert.ok(err.cause instanceof ApplicationFailure);
    return err.cause;
  }
  assert.fail('the update was accepted');
}

async function statusWhen(job: StartedJob, what: string, ok: (s: JobStatus) => boolean): Promise<JobStatus> {
  return until(what, async () => {
    const s = await job.status();
    return ok(s) ? s : undefined;
  });
}

function conditions(s: JobStatus): string[] {
  return s.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);
}

describe('changing a running Job on the time-skipping server', { timeout: 180_000 }, () => {
  const ctx = useJobEnvironment('lifecycle', { sharedWorker: 'cached' });

  it('refuses bad changes at once with Kubernetes\' messages and changes nothing; delete leaves no process', async () => {
    const tok = token();
    const started = await ctx.env.start(makeJob('refuse', { completions: 2 }, [shellContainer(`sleep 1000.${tok}`)]));
    await statusWhen(started, 'a running pod', (s) => s.ready === 1);
    const immutable = await rejection(started.patch({ spec: { completions: 5 } }));
    assert.equal(immutable.type, 'Invalid');
    assert.equal(immutable.message, 'The Job "refuse" is invalid: spec.completions: Invalid value: 5: field is immutable');
    const status = immutable.details?.[0] as { details: { causes: Array<{ field: string }> } };
    assert.deepEqual(status.details.causes.map((c) => c.field), ['spec.completions']);
    const negative = await rejection(started.scale({ parallelism: -1 }));
    assert.equal(negative.message, 'The Job "refuse" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0');
    const template = await rejection(started.patch({ spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } } } }));
    assert.match(template.message, /^The Job "refuse" is invalid: spec\.template: Invalid value: .*field is immutable/);
    const unknown = await rejection(started.patch({ spec: { parallelismm: 2 } }));
    assert.match(unknown.message, /parallelismm/);
    const job = await started.handle.query<{ spec: { parallelism: number; completions: number }; metadata: { generation?: number } }>('job');
    assert.deepEqual([job.spec.parallelism, job.spec.completions, job.metadata.generation], [1, 2, undefined], 'nothing changed');
    assert.ok(processesWith(tok).length > 0, 'the pod still runs');
    const deleted = await started.delete();
    assert.deepEqual([deleted.status.active, deleted.status.terminating], [0, 0]);
    assert.deepEqual(processesWith(tok), [], 'delete returns once the pod process is gone');
    const result = await started.handle.result();
    assert.equal(result.deleted, true);
    assert.equal(result.job.status.failed, 0);
    assert.deepEqual(result.job.status.conditions, [], 'a deleted Job gets no terminal condition');
  });

  it('Indexed completions change only in tandem with parallelism', async () => {
    const started = await ctx.env.start(makeJob('tandem', { completionMode: 'Indexed', completions: 4, parallelism: 4 }, [shellContainer('sleep 1000')]));
    const refused = await rejection(started.scale({ parallelism: 3, completions: 2 }));
    assert.equal(refused.message, 'The Job "tandem" is invalid: spec.completions: Invalid value: 2: can only be modified in tandem with spec.parallelism');
    await statusWhen(started, 'four pods', (s) => s.active === 4);
    const scaled = await started.scale({ parallelism: 2, completions: 2 });
    assert.deepEqual([scaled.spec.completions, scaled.spec.parallelism, scaled.metadata.generation], [2, 2, 2]);
    const s = await statusWhen(started, 'indexes 2 and 3 gone', (x) => x.active === 2 && x.terminating === 0);
    assert.equal(s.failed, 0, 'scale-down deletions are not failures');
    const pods = await started.pods();
    assert.deepEqual(pods.items.filter((p) => p.deletion).map((p) => p.index).sort(), [2, 3]);
    await started.delete();
  });

  it('suspend kills pods without counting them; resume restarts startTime and the deadline (2.8, 2.11)', async () => {
    const tok = token();
    const started = await ctx.env.start(makeJob('suspend', { completions: 2, parallelism: 2, activeDeadlineSeconds: 4 }, [shellContainer(`sleep 1000.${tok}`)]));
    const first = await statusWhen(started, 'two running pods', (s) => s.ready === 2);
    const suspended = await started.suspend();
    assert.equal(suspended.spec.suspend, true);
    assert.equal(suspended.status.active, 0);
    assert.ok(await eventually(() => processesWith(tok).length === 0, 10_000), 'suspended pods are killed');
    const s = await statusWhen(started, 'pods gone', (x) => x.terminating === 0);
    assert.deepEqual([s.failed, s.succeeded, s.active], [0, 0, 0]);
    assert.deepEqual(conditions(s), ['Suspended=True/JobSuspended']);
    // Longer than the 4 s deadline while suspended, in virtual time (nothing runs, so it skips): it must not fire.
    await ctx.env.sleep(5_000);
    assert.deepEqual(conditions(await started.status()), ['Suspended=True/JobSuspended']);
    const resumed = await started.resume();
    assert.ok(ms(resumed.status.startTime) >= ms(first.startTime) + 5_000, 'startTime reset on resume');
    assert.deepEqual(conditions(resumed.status), ['Suspended=False/JobResumed']);
    const run = await started.result();
    assert.equal(run.outcome?.reason, 'DeadlineExceeded');
    const failedAt = run.status.conditions.find((c) => c.type === 'FailureTarget')!;
    assertGap(ms(failedAt.lastTransitionTime) - ms(run.status.startTime), 4_000, 'deadline from the resume', 2_000);
    assert.equal(run.status.failed, 2, 'only the pods the deadline killed count');
    assert.deepEqual(
      run.events.map((e) => e.reason).filter((r) => r !== 'SuccessfulCreate' && r !== 'SuccessfulDelete'),
      ['Suspended', 'Resumed', 'DeadlineExceeded'],
    );
    assert.deepEqual(processesWith(tok), []);
  });

  it('a Job created suspended has no startTime and no pods until resumed', async () => {
    const started = await ctx.env.start(makeJob('created-suspended', { suspend: true }));
    const s = await statusWhen(started, 'the Suspended condition', (x) => x.conditions.length > 0);
    assert.equal(s.startTime, undefined);
    assert.equal((await started.pods()).total, 0);
    await started.resume();
    const run = await started.result();
    assert.equal(run.outcome?.type, 'Complete');
  });

  it('scale: up, down to 0 (paused, nothing counted), and up again to finish', async () => {
    const go = `${ctx.scratch.dir}/go`;
    const started = await ctx.env.start(makeJob('scale', { completions: 3, parallelism: 1 }, [shellContainer(`while [ ! -e ${go} ]; do sleep 0.1; done`)]));
    await statusWhen(started, 'one pod', (s) => s.active === 1);
    await started.scale({ parallelism: 3 });
    await statusWhen(started, 'three pods', (s) => s.ready === 3);
    const paused = await started.scale({ parallelism: 0 });
    assert.equal(paused.status.active, 0);
    const s = await statusWhen(started, 'no pod left', (x) => x.terminating === 0);
    assert.deepEqual([s.failed, s.succeeded, s.conditions.length], [0, 0, 0], 'parallelism 0 pauses the Job');
    fs.writeFileSync(go, '');
    await started.scale({ parallelism: 2 });
    const run = await started.result();
    assert.equal(run.outcome?.type, 'Complete');
    assert.deepEqual([run.status.succeeded, run.status.failed], [3, 0]);
  });

  it('patching activeDeadlineSeconds re-arms the deadline timer', async () => {
    const tok = token();
    const started = await ctx.env.start(makeJob('patch-ads', {}, [shellContainer(`sleep 1000.${tok}`)]));
    let patchedAt = 0;
    await statusWhen(started, 'a running pod', (s) => s.ready === 1);
    patchedAt = await ctx.env.currentTimeMs();
    const patched = await started.patch({ spec: { activeDeadlineSeconds: 4, backoffLimit: 2 } });
    assert.deepEqual([patched.spec.activeDeadlineSeconds, patched.spec.backoffLimit], [4, 2]);
    const run = await started.result();
    assert.equal(run.outcome?.reason, 'DeadlineExceeded');
    const failedAt = run.status.conditions.find((c) => c.type === 'FailureTarget')!;
    // Due 4 s after the start, or at once if a loaded machine took longer than that to get the patch in.
    const due = Math.max(ms(run.status.startTime) + 4_000, patchedAt);
    assertGap(ms(failedAt.lastTransitionTime) - due, 0, 'patched deadline, after it was due', 2_000);
    assert.deepEqual(processesWith(tok), []);
  });
});
