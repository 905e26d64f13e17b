// A Job's state (and so every query answer and its result) stays bounded however many pods it has:
// finished pods beyond RECENT_PODS are counted, not kept. Time-skipping server, real `true` pods.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECENT_PODS } from '../src/controller/state';
import { JobTestEnvironment } from '../src/testing';
import type { JobResult } from '../src/workflows/messages';
import { makeJob } from './helpers/jobs';

const COMPLETIONS = 120;
const PARALLELISM = 20;

describe('bounded Job state (time-skipping server)', () => {
  let env: JobTestEnvironment;
  before(async () => {
    env = await JobTestEnvironment.create();
  });
  after(async () => {
    await env?.teardown();
  });

  it(`keeps the last ${RECENT_PODS} pods of a ${COMPLETIONS}-pod Job and counts the rest`, async () => {
    const job = makeJob('many-pods', { completions: COMPLETIONS, parallelism: PARALLELISM }, [{ name: 'main', image: 'busybox', command: ['true'] }]);
    const jobs = env.jobs;
    const { result, page, lastPage, events } = await env.runWorker(async () => {
      await jobs.create(job);
      const result: JobResult = await jobs.result('default', job.metadata.name);
      // Queries on the finished Job agree with its result (a worker is still running to answer them).
      const [page, lastPage, events] = await Promise.all([
        jobs.pods('default', job.metadata.name, 0, 1000),
        jobs.pods('default', job.metadata.name, RECENT_PODS - 1, 10),
        jobs.events('default', job.metadata.name),
      ]);
      return { result, page, lastPage, events };
    });

    const status = result.job.status;
    assert.ok(status.conditions.some((c) => c.type === 'Complete' && c.status === 'True'), JSON.stringify(status.conditions));
    assert.equal(status.succeeded, COMPLETIONS);
    assert.equal(status.failed, 0);
    assert.equal(status.active, 0);

    assert.equal(result.pods.length, RECENT_PODS);
    assert.equal(result.podsDropped, COMPLETIONS - result.pods.length);
    assert.equal(result.pods.length + result.podsDropped, COMPLETIONS, 'every pod is either kept or counted');
    assert.ok(result.pods.every((p) => p.phase === 'Succeeded'));
    assert.equal(new Set(result.pods.map((p) => p.name)).size, result.pods.length, 'no pod kept twice');
    // The window holds the most recent pods, oldest first.
    const finished = result.pods.map((p) => Date.parse(p.finishedAt ?? ''));
    assert.ok(finished.every((t, i) => !Number.isNaN(t) && (i === 0 || t >= finished[i - 1])), 'kept pods are in finish order');

    assert.equal(page.total, RECENT_PODS);
    assert.equal(page.dropped, result.podsDropped);
    assert.deepEqual(page.items.map((p) => p.name), result.pods.map((p) => p.name));
    assert.deepEqual(lastPage.items.map((p) => p.name), [result.pods[RECENT_PODS - 1].name]);

    // Events are folded and bounded too; every pod creation is accounted for.
    const created = events.filter((e) => e.reason === 'SuccessfulCreate').reduce((n, e) => n + e.count, 0);
    assert.ok(events.length <= 200, `${events.length} events`);
    assert.ok(created <= COMPLETIONS, `${created} creations recorded`);
    assert.deepEqual(result.events, events);
    // The whole result stays small: well under the 2 MB payload limit, and independent of COMPLETIONS.
    const size = Buffer.byteLength(JSON.stringify(result));
    assert.ok(size < 256 * 1024, `result is ${size} bytes`);
  });
});
