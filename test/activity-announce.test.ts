// Batched start announcements (src/activities/announce.ts): one signal per workflow run and batch,
// naming only the pods that still run when it goes out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StartAnnouncer, type AnnounceTarget, type PodsStartedMessage } from '../src/activities/announce';

function recorder(key: string): { target: AnnounceTarget; sent: PodsStartedMessage[] } {
  const sent: PodsStartedMessage[] = [];
  return { sent, target: { key, send: (m) => Promise.resolve(void sent.push(m)) } };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = new Date('2026-11-28T12:00:00.000Z');

describe('StartAnnouncer', () => {
  it('sends one signal per run for the pods started in a batch, with their start times', async () => {
    const announcer = new StartAnnouncer('w1', 20);
    const a = recorder('run-a');
    const b = recorder('run-b');
    announcer.started('p0', at, a.target);
    announcer.started('p1', at, a.target);
    announcer.started('q0', at, b.target);
    await settle(200);
    assert.deepEqual(a.sent, [{ worker: 'w1', pods: [{ pod: 'p0', startedAt: at.toISOString() }, { pod: 'p1', startedAt: at.toISOString() }] }]);
    assert.deepEqual(b.sent, [{ worker: 'w1', pods: [{ pod: 'q0', startedAt: at.toISOString() }] }]);
  });

  it('leaves out pods that ended before their batch went out, and sends nothing when none is left', async () => {
    const announcer = new StartAnnouncer('w1', 20);
    const a = recorder('run-a');
    const ended = announcer.started('short', at, a.target);
    announcer.started('long', at, a.target);
    ended();
    const b = recorder('run-b');
    announcer.started('gone', at, b.target)();
    await settle(200);
    assert.deepEqual(a.sent.map((m) => m.pods.map((p) => p.pod)), [['long']]);
    assert.deepEqual(b.sent, []);
  });

  it('starts a new batch for pods started after the last one went out', async () => {
    const announcer = new StartAnnouncer('w1', 20);
    const a = recorder('run-a');
    announcer.started('p0', at, a.target);
    await settle(200);
    announcer.started('p1', at, a.target);
    await settle(200);
    assert.deepEqual(a.sent.map((m) => m.pods.map((p) => p.pod)), [['p0'], ['p1']]);
  });

  it('never lets a failing signal reach the pod', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const announcer = new StartAnnouncer('w1', 10);
      let tried = false;
      announcer.started('p0', at, {
        key: 'closed-run',
        send: () => {
          tried = true;
          return Promise.reject(new Error('workflow execution already completed'));
        },
      });
      await settle(100);
      assert.equal(tried, true);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('has nobody to tell outside an activity', () => {
    const announcer = new StartAnnouncer('w1', 10);
    const withdraw = announcer.started('p0', at);
    withdraw();
  });
});
