// backoffLimitPerIndex and success policy where real pods matter (JOB-SEMANTICS 2.9, 3, 5): the
// failure-count annotation seen through a fieldRef, pods killed when a policy ends the Job, a pod's own
// reaction to SIGTERM. Each rule's decision, reason and message is checked on the pure controller in
// controller-policies.test.ts; so are podFailurePolicy's init-container and OOMKilled cases, whose pod
// results come from the activity (activity-run-pod, activity-isolation) unchanged.
//
// Last, on the same server (one of its own cost ~3 CPU-s), the job workflow trusting no input:
// issue 15, section 1, on a server: the `job` workflow started directly with a Temporal client (not
//   through jobctl) used to run whatever it was given (parallelism -1 ran forever with no pods,
//   completions -5 completed at once, no containers "succeeded", a string command ran character by
//   character, a forged state showed the Job Complete with a log file of the client's host), and a
//   `podStarted` signal with a null payload wedged the Job (queries timed out, delete failed). Now each
//   forged start fails the workflow at once with the client's field-path message and starts no pod, and
//   malformed messages are dropped or refused while the Job goes on. The pure rules are in
//   workflow-input-validation.test.ts; this file shows they are what the workflow does.
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
import { processesWith, token } from './helpers/procs';
import { assertGap, byCreation, ms, until, useJobEnvironment } from './helpers/runs';

/** Index 0 runs `first`, every other index `rest` (JOB_COMPLETION_INDEX is in every container). */
function byIndex(first: string, rest: string): string {
  return `if [ "$JOB_COMPLETION_INDEX" = 0 ]; then ${first}; else ${rest}; fi`;
}

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

describe('policies on the time-skipping server', { timeout: 180_000 }, () => {
  const ctx = useJobEnvironment('policies', { sharedWorker: 'cached' });

  describe('backoffLimitPerIndex and maxFailedIndexes (3)', () => {
    it('index 1 gets backoffLimitPerIndex + 1 attempts with its failure count annotated, the others complete, then FailedIndexes', async () => {
      const script = [
        'echo "count=$FAILURES"',
        'if [ "$JOB_COMPLETION_INDEX" = 1 ]; then exit 1; fi',
        'exit 0',
      ].join('; ');
      const container = shellContainer(script);
      container.env = [{ name: 'FAILURES', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-index-failure-count']" } } }];
      const job = makeJob('per-index', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 1, backoffLimit: 2147483647 }, [container]);
      const run = await ctx.run(job);
      assert.deepEqual(run.outcome, { type: 'Failed', reason: 'FailedIndexes', message: 'Job has failed indexes' });
      assert.deepEqual([run.status.completedIndexes, run.status.failedIndexes, run.status.succeeded, run.status.failed], ['0,2', '1', 2, 2]);
      const ones = byCreation(run.pods.filter((p) => p.index === 1));
      assert.deepEqual(ones.map((p) => p.containers?.[0].logTail), ['count=0\n', 'count=1\n']);
      assertGap(ms(ones[1].creationTimestamp) - ms(ones[0].finishedAt), 10_000, 'per-index backoff');
    });

  });

  describe('successPolicy (5) and the precedence cases of 2.9', () => {
    it('succeededIndexes "0": lingering pods are killed, not counted, and leave no process; Complete with SuccessPolicy', async () => {
      const tok = token();
      const job = makeJob('sp-index', { completionMode: 'Indexed', completions: 5, parallelism: 5, successPolicy: { rules: [{ succeededIndexes: '0' }] } }, [
        shellContainer(byIndex('sleep 0.3; exit 0', `sleep 1000.${tok}`)),
      ]);
      const run = await ctx.run(job);
      assert.deepEqual(run.outcome, { type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
      const s = run.status;
      assert.deepEqual([s.completedIndexes, s.succeeded, s.failed, s.active, s.ready, s.terminating], ['0', 1, 0, 0, 0, 0]);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
      assert.ok(run.status.completionTime);
      assert.deepEqual(processesWith(tok), []);
    });

    it('SuccessCriteriaMet stays: a lingering pod that fails on SIGTERM does not turn the Job into a failure', async () => {
      const job = makeJob('sp-sticky', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } }, [
        shellContainer(byIndex('sleep 0.5; exit 0', "trap 'exit 1' TERM; sleep 1000 & wait")),
      ]);
      const run = await ctx.run(job);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}/${c.reason}`), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
      assert.equal(run.pods.find((p) => p.index === 1)?.containers?.[0].exitCode, 1, 'the pod did exit 1');
      assert.equal(run.status.failed, 0);
    });

  });

  // Last: refused updates here are not followed by tests that need time to skip (see workflow-indexed's TTL test).
  describe('the job workflow trusts no input', () => {
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
});
