// Following a container's log on the worker's host: a real pod through runPod, the sink's rotation,
// a writer killed with SIGKILL, abort, and which run is followed. Real processes and files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RunPodInput, RunPodResult } from '../src/api/pod';
import { createActivities, LogSink, logWriterAlive, podLogFile, podResultOf, writerMarkFile } from '../src/activities';
import { followPodLog } from '../src/client';
import { until } from './helpers/runs';

const roots: string[] = [];
after(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-log-follow-'));
  roots.push(dir);
  return dir;
}

function collector(): { chunks: string[]; write: (c: string) => void; text: () => string } {
  const chunks: string[] = [];
  return { chunks, write: (c) => chunks.push(c), text: () => chunks.join('') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('followPodLog', { timeout: 60_000 }, () => {
  it('follows a running pod line by line, in order, and returns after its container ends', async () => {
    const dataDir = tempDir();
    const activities = createActivities({ dataDir, isolation: 'process-group', log: () => undefined });
    const input: RunPodInput = {
      namespace: 'default',
      jobName: 'ticker',
      jobUid: 'uid-ticker',
      podName: 'ticker-0-abcde',
      restartCount: 0,
      labels: {},
      annotations: {},
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 2,
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'i=1; while [ $i -le 12 ]; do echo "line $i"; i=$((i+1)); sleep 0.2; done'] }],
      },
    };
    let podDone = false;
    const pod = podResultOf(new MockActivityEnvironment().run(activities.runPod, input) as Promise<RunPodResult>).finally(() => {
      podDone = true;
    });
    const file = podLogFile(dataDir, 'default', 'ticker-0-abcde', 'main', 0);
    await until('the log file', () => (fs.existsSync(file) ? true : undefined));

    const got = collector();
    const linesWhilePodRan: string[] = [];
    const followed = await followPodLog(
      { dataDir, namespace: 'default', pod: 'ticker-0-abcde', container: 'main' },
      (chunk) => {
        got.write(chunk);
        if (!podDone) linesWhilePodRan.push(...chunk.split('\n').filter(Boolean));
      },
      new AbortController().signal,
    );
    const result = await pod;
    assert.equal(followed, true);
    assert.equal(result.phase, 'Succeeded');
    const expected = Array.from({ length: 12 }, (_, i) => `line ${i + 1}\n`).join('');
    assert.equal(got.text(), expected);
    assert.equal(got.text(), result.containers[0].logTail);
    // Live: lines came in several pieces, most before the container had ended.
    assert.ok(got.chunks.length >= 3, `expected the lines to arrive over time, got ${got.chunks.length} chunk(s)`);
    assert.ok(linesWhilePodRan.length >= 6, `only ${linesWhilePodRan.length} lines arrived while the pod ran`);
    // Closed in place, not removed (see src/data-dir/writer-mark.ts): no writer is left.
    assert.equal(JSON.parse(fs.readFileSync(writerMarkFile(file), 'utf8')).closed, true, 'the sink marks its log closed');
    assert.equal(logWriterAlive(file), false);
  });

  it('resolves false at once when this host has no such log', async () => {
    const dataDir = tempDir();
    const got = collector();
    const signal = new AbortController().signal;
    assert.equal(await followPodLog({ dataDir, namespace: 'default', pod: 'nope', container: 'main' }, got.write, signal), false);
    const sink = new LogSink(podLogFile(dataDir, 'default', 'p', 'main', 0));
    sink.close();
    assert.equal(await followPodLog({ dataDir, namespace: 'default', pod: 'p', container: 'other' }, got.write, signal), false);
    assert.equal(await followPodLog({ dataDir, namespace: 'default', pod: 'p', container: 'main', restartCount: 1 }, got.write, signal), false);
    assert.deepEqual(got.chunks, []);
  });

  it('keeps every byte across rotations, older part first', async () => {
    const dataDir = tempDir();
    const file = podLogFile(dataDir, 'default', 'rot', 'main', 0);
    const sink = new LogSink(file, { rotateBytes: 200 });
    const lines = Array.from({ length: 60 }, (_, i) => `${String(i).padStart(3, '0')} ${'x'.repeat(30)}\n`);
    // 7 lines before the follower starts: one rotation already happened, its part is in <file>.1.
    for (const l of lines.slice(0, 7)) sink.write(Buffer.from(l));
    assert.ok(fs.existsSync(`${file}.1`));
    const got = collector();
    const following = followPodLog({ dataDir, namespace: 'default', pod: 'rot', container: 'main', pollMs: 5 }, got.write, new AbortController().signal);
    for (const l of lines.slice(7)) {
      sink.write(Buffer.from(l));
      await sleep(15);
    }
    sink.close();
    assert.equal(await following, true);
    assert.equal(got.text(), lines.join(''));
  });

  it('stops when the process writing the log is killed, and on abort', async () => {
    const dataDir = tempDir();
    const file = podLogFile(dataDir, 'default', 'killed', 'main', 0);
    const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'log-writer.js'), file, 'one', 'two'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => (d.toString().includes('written') ? resolve() : undefined));
        child.once('exit', () => reject(new Error('the log writer exited early')));
      });
      // A live writer that never closes: only abort ends the follow.
      const aborter = new AbortController();
      const first = collector();
      const aborted = followPodLog({ dataDir, namespace: 'default', pod: 'killed', container: 'main' }, first.write, aborter.signal);
      await until('the first follow to read', () => (first.text() === 'one\ntwo\n' ? true : undefined));
      let settled = false;
      void aborted.then(() => (settled = true));
      await sleep(300);
      assert.equal(settled, false, 'follow keeps waiting while the writer lives');
      aborter.abort();
      assert.equal(await aborted, true);

      // SIGKILL leaves the writer mark behind; the dead pid tells the follower the run is over.
      const second = collector();
      const following = followPodLog({ dataDir, namespace: 'default', pod: 'killed', container: 'main' }, second.write, new AbortController().signal);
      await until('the second follow to read', () => (second.text() === 'one\ntwo\n' ? true : undefined));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.ok(fs.existsSync(writerMarkFile(file)));
      assert.equal(await following, true);
      assert.equal(second.text(), 'one\ntwo\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('follows the latest run unless told which', async () => {
    const dataDir = tempDir();
    for (const [restart, text] of [[0, 'first run\n'], [1, 'second run\n'], [10, 'eleventh run\n']] as const) {
      const sink = new LogSink(podLogFile(dataDir, 'default', 'p', 'main', restart));
      sink.write(Buffer.from(text));
      sink.close();
    }
    const signal = new AbortController().signal;
    const latest = collector();
    assert.equal(await followPodLog({ dataDir, namespace: 'default', pod: 'p', container: 'main' }, latest.write, signal), true);
    assert.equal(latest.text(), 'eleventh run\n');
    const chosen = collector();
    assert.equal(await followPodLog({ dataDir, namespace: 'default', pod: 'p', container: 'main', restartCount: 1 }, chosen.write, signal), true);
    assert.equal(chosen.text(), 'second run\n');
  });

  it('never splits a multi-byte character between chunks', async () => {
    const dataDir = tempDir();
    const file = podLogFile(dataDir, 'default', 'utf', 'main', 0);
    const sink = new LogSink(file);
    const got = collector();
    const bytes = Buffer.from('héllo → wörld\n');
    sink.write(bytes.subarray(0, 2)); // 'h' and the first byte of 'é'
    const following = followPodLog({ dataDir, namespace: 'default', pod: 'utf', container: 'main', pollMs: 5 }, got.write, new AbortController().signal);
    await sleep(50);
    sink.write(bytes.subarray(2));
    sink.close();
    assert.equal(await following, true);
    assert.equal(got.text(), 'héllo → wörld\n');
    assert.ok(!got.text().includes('\ufffd'));
  });
});
