// Issue 15, section 1, on a server: the `job` workflow started directly with a Temporal client (not
// through jobctl) used to run whatever it was given (parallelism -1 ran forever with no pods,
// completions -5 completed at once, no containers "succeeded", a string command ran character by
// character, a forged state showed the Job Complete with a log file of the client's host), and a
// `podStarted` signal with a null payload wedged the Job (queries timed out, delete failed). Now each
// forged start fails the workflow at once with the client's field-path message and starts no pod, and
// malformed messages are dropped or refused while the Job goes on. The pure rules are in
// workflow-input-validation.test.ts; this file shows they are what the workflow does.
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { withControllerUid } from '../src/api';
import type { Job } from '../src/api/types';
import { initialState } from '../src/controller/state';
import { INVALID_JOB_INPUT } from '../src/workflows/input-validation';
import { JOB_WORKFLOW_TYPE, jobWorkflowId, podStartedSignal, podsStartedSignal, podsQuery, scaleUpdate, statusQuery, type JobInput } from '../src/workflows/messages';
import { makeJob, shellContainer } from './helpers/jobs';
import { until, useJobEnvironment } from './helpers/runs';

/** A Job as the client stores it (uid labels, creation time), with `spec` merged into its spec. */
function storedJob(name: string, command: unknown = ['sh', '-c', 'exit 0'], spec: Record<string, unknown> = {}): Job {
  const base = makeJob(name, {}, [{ ...shellContainer(''), command: command as string[] }]);
  const job = withControllerUid({ ...base, metadata: { name, namespace: 'default' } }, randomUUID());
  return { ...job, metadata: { ...job.metadata, creationTimestamp: new Date().toISOString() }, spec: { ...job.spec, ...spec } as Job['spec'] };
}

function applicationFailure(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof ApplicationFailure) return e;
  return undefined;
}

describe('the job workflow trusts no input (time-skipping server)', { timeout: 180_000 }, () => {
  const ctx = useJobEnvironment('hostile', { sharedWorker: 'cached' });

  it('forged start inputs fail the workflow at once with the field path, and start no pod', async () => {
    const now = new Date().toISOString();
    const forgedState = (job: Job) => ({
      ...initialState(),
      completionTime: now,
      podsCreated: 1,
      conditions: [{ type: 'Complete', status: 'True', reason: 'CompletionsReached', message: '', lastProbeTime: now, lastTransitionTime: now }],
      finishedPods: [
        {
          name: `${job.metadata.name}-bcdfg`,
          phase: 'Succeeded',
          restartCount: 0,
          creationTimestamp: now,
          running: false,
          containers: [{ name: 'main', init: false, exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, logTail: '', logTruncated: false, logFile: '/etc/passwd' }],
        },
      ],
    });
    const complete = storedJob('forged-complete');
    const noContainers = storedJob('no-containers');
    noContainers.spec.template.spec.containers = [];
    const cases: Array<[string, JobInput | Record<string, unknown>, string | RegExp]> = [
      ['parallelism', { job: storedJob('minus-parallelism', undefined, { parallelism: -1 }) }, 'The Job "minus-parallelism" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0'],
      ['completions', { job: storedJob('minus-completions', undefined, { completions: -5 }) }, 'The Job "minus-completions" is invalid: spec.completions: Invalid value: -5: must be greater than or equal to 0'],
      ['containers', { job: noContainers }, 'The Job "no-containers" is invalid: spec.template.spec.containers: Required value'],
      ['string command', { job: storedJob('string-command', 'echo hi') }, /cannot unmarshal string into Go struct field Container\.spec\.template\.spec\.containers\.command of type \[\]string/],
      ['forged Complete', { job: complete, state: { ...forgedState(complete), succeeded: 1 } }, "state.finishedPods[0].containers[0].logFile: Invalid value: must be a log file of the worker's data dir"],
      ['forged Complete, no log', { job: complete, state: { ...forgedState(complete), finishedPods: [] } }, 'state.conditions: Invalid value: Complete with 0 of 1 completions succeeded'],
    ];
    const client = ctx.env.env.client;
    for (const [what, input, message] of cases) {
      const job = (input as { job: Job }).job;
      const handle = await client.workflow.start(JOB_WORKFLOW_TYPE, {
        workflowId: `${jobWorkflowId('default', job.metadata.name)}/${what}`,
        taskQueue: ctx.env.taskQueue,
        args: [input],
      });
      await assert.rejects(handle.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError, `${what}: ${String(err)}`);
        const failure = applicationFailure(err);
        assert.equal(failure?.type, INVALID_JOB_INPUT, what);
        assert.equal(failure?.nonRetryable, true, what);
        if (typeof message === 'string') assert.equal(failure?.message, message, what);
        else assert.match(failure?.message ?? '', message, what);
        return true;
      });
      const events = (await handle.fetchHistory()).events ?? [];
      assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes).length, 0, `${what}: no pod was started`);
      assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0, `${what}: failed at once, not retried`);
    }
  });

  it('a null podStarted, a bad pods query and a bad scale leave the Job answering, and it can be deleted', async () => {
    const started = await ctx.env.start(makeJob('null-signal', {}, [shellContainer('sleep 60')]));
    await until('the pod running', async () => ((await started.status()).active === 1 ? true : undefined));
    // What the issue sent: the handler threw and every later task failed the same way.
    await started.handle.signal(podStartedSignal, null as never);
    await started.handle.signal('podStarted', 'not an object');
    await started.handle.signal(podsStartedSignal, null as never);
    await started.handle.signal('podsStarted', { pods: 'x', worker: 1 });
    assert.equal((await started.handle.query(statusQuery)).active, 1, 'queries are answered after the bad signals');
    await assert.rejects(started.handle.query(podsQuery, { offset: 'x' } as never), /pods\.offset: Invalid value: "x": must be a non-negative integer/);
    await assert.rejects(started.handle.executeUpdate(scaleUpdate, { args: [null as never] }), (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match(applicationFailure(err)?.message ?? '', /^scale: Invalid value: null: must be an object/);
      return true;
    });
    await assert.rejects(started.handle.executeUpdate(scaleUpdate, { args: [{ parallelism: 'many' } as never] }), (err: unknown) => {
      assert.match(applicationFailure(err)?.message ?? '', /spec\.parallelism/);
      return true;
    });
    const deleted = await started.delete();
    assert.equal(deleted.status.active, 0);
    const events = (await started.handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0, 'no workflow task failed');
    // A rejected update leaves nothing in history: the one accepted update is the delete.
    assert.equal(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length, 1);
    await until('the Job closed', async () => ((await started.handle.describe()).status.name === 'RUNNING' ? undefined : true));
  });
});
