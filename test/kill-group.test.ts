// killGroupNow, which the cluster e2e's exit and signal handlers rely on to leave no server, database or
// worker behind: it reaches the whole process group, and a first signal gets its grace before SIGKILL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killGroupNow } from '../src/dev/kill-group';
import { eventually, processesWith, token } from './helpers/procs';

/** The `sleep` processes carrying the word (the shells' own command lines carry it too). */
const sleeps = (word: string): number => processesWith(word).filter((p) => p.cmdline.startsWith('sleep ')).length;

describe('killGroupNow', () => {
  it('kills every process of the group, not only its leader', async () => {
    const word = token();
    const child = spawn('sh', ['-c', `sleep 1001.${word} & sleep 1002.${word} & wait`], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    assert.ok(await eventually(() => sleeps(word) === 2, 10_000), 'both sleeps run');
    killGroupNow(child.pid);
    await exited;
    assert.ok(await eventually(() => processesWith(word).length === 0, 10_000), JSON.stringify(processesWith(word)));
  });

  it('lets the leader handle a first signal within the grace, then kills the rest', async () => {
    const word = token();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-group-'));
    const said = path.join(dir, 'said');
    try {
      // The leader says goodbye on SIGTERM; its child ignores SIGTERM and only SIGKILL ends it.
      const script = `trap 'echo bye > "$0"; exit 0' TERM; sh -c 'trap "" TERM; sleep 1003.${word}' & wait`;
      const child = spawn('sh', ['-c', script, said], { detached: true, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      assert.ok(await eventually(() => sleeps(word) === 1, 10_000), 'the child runs');
      killGroupNow(child.pid, 'SIGTERM', 10_000);
      await exited;
      assert.equal(fs.readFileSync(said, 'utf8').trim(), 'bye');
      assert.ok(await eventually(() => processesWith(word).length === 0, 10_000), JSON.stringify(processesWith(word)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does nothing without a pid', () => {
    assert.doesNotThrow(() => killGroupNow(undefined));
  });
});
