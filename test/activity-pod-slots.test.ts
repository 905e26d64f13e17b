// The process-wide pod cap that a worker polling several task queues shares between them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalPods, PodSlots } from '../src/activities';
import { eventually } from './helpers/procs';

describe('PodSlots', () => {
  it('grants up to max at once and hands a released slot to the oldest waiter', async () => {
    const slots = new PodSlots(2);
    const signal = new AbortController().signal;
    const a = await slots.acquire(signal);
    const b = await slots.acquire(signal);
    const order: string[] = [];
    const c = slots.acquire(signal).then((r) => (order.push('c'), r));
    const d = slots.acquire(signal).then((r) => (order.push('d'), r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    assert.equal(slots.inUse, 2);
    a();
    a(); // a second release of the same slot changes nothing
    const releaseC = await c;
    assert.deepEqual(order, ['c']);
    assert.equal(slots.inUse, 2);
    b();
    (await d)();
    releaseC();
    assert.equal(slots.inUse, 0);
  });

  it('rejects a waiter whose signal aborts, heartbeating while it waits, and leaves the queue intact', async () => {
    const slots = new PodSlots(1);
    const held = await slots.acquire(new AbortController().signal);
    const aborter = new AbortController();
    let beats = 0;
    const waiting = slots.acquire(aborter.signal, () => beats++, 20);
    const next = slots.acquire(new AbortController().signal);
    // Every 20 ms while it waits; a busy machine only delays them.
    assert.ok(await eventually(() => beats >= 2, 30_000), `heartbeats while waiting: ${beats}`);
    aborter.abort(new Error('pod deleted'));
    await assert.rejects(waiting, /pod deleted/);
    held();
    (await next)();
    assert.equal(slots.inUse, 0);
    await assert.rejects(slots.acquire(AbortSignal.abort(new Error('already')), undefined), /already/);
  });

  it('refuses a cap that is not a positive integer', () => {
    assert.throws(() => new PodSlots(0), /positive integer/);
    assert.throws(() => new PodSlots(1.5), /positive integer/);
  });
});

describe('LocalPods', () => {
  it('counts overlapping uses of one pod dir', () => {
    const pods = new LocalPods();
    pods.enter('/d/p');
    pods.enter('/d/p');
    pods.leave('/d/p');
    assert.ok(pods.has('/d/p'));
    pods.leave('/d/p');
    assert.ok(!pods.has('/d/p'));
    assert.equal(pods.size, 0);
  });
});
