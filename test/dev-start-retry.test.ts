// The SDK kills a server that does not accept connections within 5 s; on a busy machine a JVM can take
// longer, so that one failure is tried again (and only that one).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patientStart } from '../src/dev/servers';

const STARTUP_TIMEOUT = 'Failed to start ephemeral server: ephemeral server at 127.0.0.1:46191 did not start within 5s. Make sure another download...';

describe('patientStart', () => {
  it('starts again after the SDK gave up waiting, and says so', async () => {
    const notes: string[] = [];
    let calls = 0;
    const value = await patientStart(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(STARTUP_TIMEOUT);
        return 'server';
      },
      (m) => notes.push(m),
    );
    assert.equal(value, 'server');
    assert.equal(calls, 3);
    assert.equal(notes.length, 2);
    assert.match(notes[0], /did not start within the SDK.s 5 s.*\(2\/6\)/);
  });

  it('gives up after the last attempt with the SDK error', async () => {
    let calls = 0;
    await assert.rejects(
      patientStart(async () => {
        calls += 1;
        throw new Error(STARTUP_TIMEOUT);
      }, () => undefined),
      /did not start within 5s/,
    );
    assert.equal(calls, 6);
  });

  it('passes any other failure through at once', async () => {
    let calls = 0;
    await assert.rejects(
      patientStart(async () => {
        calls += 1;
        throw new Error('spawn ENOENT');
      }, () => undefined),
      /ENOENT/,
    );
    assert.equal(calls, 1);
  });
});
