// Time-skipping workflow tests of restartPolicy OnFailure (JOB-SEMANTICS 2.7, section A) and of
// activeDeadlineSeconds (2.8, 2.9, 2.10), with the events they leave (6.4).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { makeJob, shellContainer } from './helpers/jobs';
import { processesWith, token } from './helpers/procs';
import { assertGap, ms, useJobEnvironment } from './helpers/runs';

const DEADLINE = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
const BACKOFF_LIMIT = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** When (virtual time) each run of a pod's containers was scheduled and when it ended, by activity id. */
function podRuns(events: HistoryEvent[]): Map<string, { scheduled: number; ended?: number }> {
  const byScheduledId = new Map<string, string>();
  const runs = new Map<string, { scheduled: number; ended?: number }>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      byScheduledId.set(String(e.eventId), scheduled.activityId!);
      runs.set(scheduled.activityId!, { scheduled: eventMs(e) });
    }
    const ended =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (ended) runs.get(byScheduledId.get(String(ended.scheduledEventId))!)!.ended = eventMs(e);
  }
  return runs;
}

// A broken controller can make a Job run forever: fail the test instead of hanging the suite.
describe('OnFailure restarts and activeDeadlineSeconds on the time-skipping server', { timeout: 120_000 }, () => {
  const ctx = useJobEnvironment('deadline', { sharedWorker: 'cached' });

  describe('restartPolicy OnFailure (2.7, section A)', () => {
    it('restarts the failed container in place 10 s later: same pod, restartCount 1, failed 0', async () => {
      const marker = `${ctx.scratch.dir}/failed-once`;
      const script = `if [ -e ${marker} ]; then echo second run; exit 0; fi; touch ${marker}; echo first run; exit 2`;
      const job = makeJob('on-failure', {}, [shellContainer(script)]);
      job.spec.template.spec.restartPolicy = 'OnFailure';
      const started = await ctx.env.start(job);
      const run = await started.result();

      assert.equal(run.outcome?.type, 'Complete');
      assert.equal(run.status.succeeded, 1);
      assert.equal(run.status.failed, 0);
      assert.equal(run.pods.length, 1);
      const [pod] = run.pods;
      assert.equal(pod.phase, 'Succeeded');
      assert.equal(pod.restartCount, 1);
      assert.equal(pod.containers?.[0].exitCode, 0);
      assert.equal(pod.containers?.[0].logTail, 'second run\n');
      assert.equal(pod.previousContainers?.[0].exitCode, 2);
      assert.equal(pod.previousContainers?.[0].reason, 'Error');
      assert.equal(pod.previousContainers?.[0].logTail, 'first run\n');
      assert.deepEqual(run.events.map((e) => e.reason), ['SuccessfulCreate', 'Completed']);

      // The crash-loop delay, in virtual time: the second run is scheduled 10 s after the first ended.
      const { events } = await started.handle.fetchHistory();
      const runs = podRuns(events ?? []);
      assert.deepEqual([...runs.keys()], [`${pod.name}-0`, `${pod.name}-1`]);
      const first = runs.get(`${pod.name}-0`)!;
      const second = runs.get(`${pod.name}-1`)!;
      assertGap(second.scheduled - first.ended!, 10_000, 'crash-loop delay');
    });

    it('fails with BackoffLimitExceeded when restarts reach backoffLimit; the pod counts as 1 failed', async () => {
      const job = makeJob('on-failure-limit', { backoffLimit: 2 }, [shellContainer('echo run; exit 1')]);
      job.spec.template.spec.restartPolicy = 'OnFailure';
      const run = await ctx.run(job);
      assert.deepEqual(run.outcome, BACKOFF_LIMIT);
      assert.equal(run.status.failed, 1);
      assert.equal(run.status.succeeded, 0);
      assert.equal(run.status.active, 0);
      assert.equal(run.pods.length, 1);
      const [pod] = run.pods;
      assert.equal(pod.phase, 'Failed');
      assert.equal(pod.restartCount, 2);
      assert.equal(pod.containers?.[0].exitCode, 1);
      assert.equal(pod.previousContainers?.[0].exitCode, 1);
      assert.deepEqual(
        run.events.map((e) => [e.type, e.reason, e.message]),
        [
          ['Normal', 'SuccessfulCreate', `Created pod: ${pod.name}`],
          ['Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`],
          ['Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
        ],
      );
    });
  });

  describe('activeDeadlineSeconds (2.8, 2.10)', () => {
    it('kills the running pod at the deadline, counts it failed, then Failed/DeadlineExceeded (6.4 events)', async () => {
      // A pod's pids may be those of its own PID namespace (bubblewrap): it is found by a unique argument.
      const word = `1000.${token()}`;
      const script = `echo sleeping; exec sleep ${word}`;
      const run = await ctx.run(makeJob('deadline', { activeDeadlineSeconds: 3 }, [shellContainer(script)]));
      assert.deepEqual(run.outcome, DEADLINE);
      assert.deepEqual(
        run.status.conditions.map((c) => `${c.type}=${c.status}/${c.reason}/${c.message}`),
        [
          'FailureTarget=True/DeadlineExceeded/Job was active longer than specified deadline',
          'Failed=True/DeadlineExceeded/Job was active longer than specified deadline',
        ],
      );
      assert.equal(run.status.failed, 1);
      assert.equal(run.status.succeeded, 0);
      assert.equal(run.status.active, 0);
      assert.equal(run.status.terminating, 0);
      assert.equal(run.status.completionTime, undefined);
      const target = run.status.conditions[0];
      assertGap(ms(target.lastTransitionTime) - ms(run.status.startTime), 3_000, 'deadline');
      assert.ok(ms(run.status.conditions[1].lastTransitionTime) >= ms(target.lastTransitionTime));

      assert.equal(run.pods.length, 1);
      const [pod] = run.pods;
      assert.equal(pod.phase, 'Failed');
      // The killed pod keeps its container's end: SIGTERM (128 + 15) and its log (section A).
      assert.deepEqual(
        pod.containers?.map((c) => [c.exitCode, c.signal, c.reason, c.logTail]),
        [[143, 'SIGTERM', 'Error', 'sleeping\n']],
      );
      assert.deepEqual(processesWith(word), [], 'the pod process is gone');
      assert.deepEqual(
        run.events.map((e) => [e.type, e.reason, e.message]),
        [
          ['Normal', 'SuccessfulCreate', `Created pod: ${pod.name}`],
          ['Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`],
          ['Warning', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
        ],
      );
    });

    it('cuts off a retry waiting on backoff: 2 pods, Failed at startTime + 25 s (2.9)', async () => {
      const run = await ctx.run(makeJob('deadline-backoff', { activeDeadlineSeconds: 25, backoffLimit: 6 }, [shellContainer('exit 1')]));
      assert.deepEqual(run.outcome, DEADLINE);
      assert.equal(run.pods.length, 2, 'pods at 0 s and 10 s; the one due at 30 s is never created');
      assert.equal(run.status.failed, 2);
      const start = ms(run.status.startTime);
      const [first, second] = run.pods;
      assertGap(ms(first.creationTimestamp) - start, 0, 'first pod');
      assertGap(ms(second.creationTimestamp) - ms(first.finishedAt), 10_000, 'second pod');
      for (const type of ['FailureTarget', 'Failed']) {
        const c = run.status.conditions.find((x) => x.type === type)!;
        assert.equal(c.reason, 'DeadlineExceeded');
        // Virtual time, but the task that handles the timer starts a little later on a loaded machine.
        assertGap(ms(c.lastTransitionTime) - start, 25_000, `${type} time`);
      }
      assert.deepEqual(
        run.events.map((e) => [e.type, e.reason]),
        [
          ['Normal', 'SuccessfulCreate'],
          ['Normal', 'SuccessfulCreate'],
          ['Warning', 'DeadlineExceeded'],
        ],
      );
    });
  });
});
