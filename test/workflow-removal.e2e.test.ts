// The `jobRemoval` workflow trusts no input (issue 15, section 1): started by hand with another Job's
// workflow id and run id, it used to delete that Job. On a real dev server (the time-skipping server
// cannot delete executions, so only here would the deletion really happen): a hand-started removal is
// refused and the Job stays; the activity removes only an execution that is a Job with the expected
// uid; the Job's own removal (its TTL) still works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { removeJobExecution } from '../src/activities/remove-job';
import { JOB_REMOVAL_WORKFLOW_TYPE, jobRemovalWorkflowId, type JobRemovalInput } from '../src/workflows/messages';
import { NOT_JOB_REMOVAL } from '../src/workflows/removal';
import { jobYaml, startJobctlServer, type JobctlServer } from './helpers/jobctl-server';
import { until } from './helpers/runs';

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) out.push(e);
  return out;
}

describe('jobRemoval removes only the Job execution that started it', { timeout: 180_000 }, () => {
  let s: JobctlServer;
  before(async () => {
    s = await startJobctlServer('removal');
  });
  after(async () => {
    await s?.teardown();
  });

  const finishedJob = async (name: string, ttl?: number) => {
    const yaml = jobYaml(name, 'echo done');
    const text = ttl === undefined ? yaml : yaml.replace('spec:\n', `spec:\n  ttlSecondsAfterFinished: ${ttl}\n`);
    const created = await s.jobctl(['create', '-f', s.file(`${name}.yaml`, text)]);
    assert.equal(created.code, 0, created.stderr);
    // Read before the Job ends: with a TTL it may be gone by the time `wait` returns on a loaded machine.
    const handle = s.env.client.workflow.getHandle(`job/default/${name}`);
    const d = await handle.describe();
    const waited = await s.jobctl(['wait', '--for=condition=complete', `job/${name}`, '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    return { handle, runId: d.runId, uid: (d.memo?.job as { metadata: { uid: string } }).metadata.uid };
  };

  const exists = async (name: string) => (await s.jobctl(['get', 'job', name, '-o', 'name'])).stdout === `job.batch/${name}\n`;

  it('a jobRemoval started by hand with another Job\'s ids is refused, and that Job stays', async () => {
    const victim = await finishedJob('victim');
    const workflowId = 'job/default/victim';
    const input: JobRemovalInput = { workflowId, runId: victim.runId, removeAt: 0, uid: victim.uid };
    // Even under the exact id the Job itself would use.
    const forged = await s.env.client.workflow.start(JOB_REMOVAL_WORKFLOW_TYPE, {
      workflowId: jobRemovalWorkflowId(workflowId, victim.runId),
      taskQueue: s.taskQueue,
      args: [input],
    });
    await assert.rejects(forged.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const failure = causes(err).find((e) => e instanceof ApplicationFailure);
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, NOT_JOB_REMOVAL);
      assert.match(failure.message, /^jobRemoval refused: it was not started by a Job \(it has no parent workflow\); it removes only the Job execution that started it$/);
      return true;
    });
    assert.equal((await victim.handle.describe()).status.name, 'COMPLETED', 'the Job execution is still there');
    assert.ok(await exists('victim'), 'jobctl still lists the Job');
  });

  it('the activity deletes only an execution that is a Job with the expected uid', async () => {
    const target = await finishedJob('target');
    const env = new MockActivityEnvironment(undefined, { client: s.env.client });
    const workflowId = 'job/default/target';
    const refused = async (input: Parameters<typeof removeJobExecution>[0], why: RegExp) => {
      await assert.rejects(env.run(removeJobExecution, input), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure, String(err));
        assert.equal(err.type, 'NotTheJob');
        assert.match(err.message, why);
        return true;
      });
      assert.ok(await exists('target'), 'the Job is still there');
    };
    await refused({ workflowId, runId: target.runId, uid: 'another-uid' }, /its Job's uid is "[0-9a-f-]{36}", not "another-uid"/);
    // Not a Job at all: the failed hand-started removal of the first test.
    const other = await s.env.client.workflow.getHandle(jobRemovalWorkflowId('job/default/victim', (await s.env.client.workflow.getHandle('job/default/victim').describe()).runId)).describe();
    await refused({ workflowId: other.workflowId, runId: other.runId }, /it is a "jobRemoval" workflow, not a Job/);
    assert.equal(await env.run(removeJobExecution, { workflowId, runId: target.runId, uid: target.uid }), 'removed');
    await until('the Job to be gone', async () => ((await exists('target')) ? undefined : true));
  });

  it("the Job's own removal (ttlSecondsAfterFinished) still removes it", async () => {
    const job = await finishedJob('short-lived', 3);
    const removal = s.env.client.workflow.getHandle(jobRemovalWorkflowId('job/default/short-lived', job.runId));
    assert.equal(await removal.result(), 'removed');
    assert.equal(await exists('short-lived'), false);
  });
});
