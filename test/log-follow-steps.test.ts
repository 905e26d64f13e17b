// The log follow of `jobctl run` and `logs -f` (src/client/log-follow.ts) against a real sink and real
// files, with the sink's writes put between the follow's own file operations at chosen points: a read
// that overlaps a write, a rotation between any two of its steps, the sink closing mid-look. No timing:
// each case is one fixed sequence. The invariant: every byte written comes out once, in order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { LogSink } from '../src/activities';
import { LogFollow, type FollowFs } from '../src/client/log-follow';
import { logWriterAlive, writeWriterMark, writerMarkFile } from '../src/data-dir';
import { describeDifference } from './helpers/same-bytes';

const roots: string[] = [];
after(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

function logFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-follow-steps-'));
  roots.push(dir);
  return path.join(dir, 'main-0.log');
}

/** node's fs, counting the follow's operations and running the writer's steps due after a given one. */
class Interleaved implements FollowFs {
  calls = 0;
  /** The operation number of the last successful open of each path. */
  readonly openedAt = new Map<string, number>();
  private readonly due = new Map<number, Array<() => void>>();

  /** Runs `step` right after the follow's operation number `call` (1 for its first), whatever it returned. */
  after(call: number, step: () => void): void {
    this.due.set(call, [...(this.due.get(call) ?? []), step]);
  }

  op<T>(run: () => T): T {
    try {
      return run();
    } finally {
      this.calls++;
      for (const step of this.due.get(this.calls) ?? []) step();
      this.due.delete(this.calls);
    }
  }

  openSync(file: string, flags: 'r'): number {
    return this.op(() => {
      const fd = fs.openSync(file, flags);
      this.openedAt.set(file, this.calls + 1);
      return fd;
    });
  }
  closeSync(fd: number): void {
    this.op(() => fs.closeSync(fd));
  }
  fstatSync(fd: number): { ino: number; size: number } {
    return this.op(() => fs.fstatSync(fd));
  }
  statSync(file: string): { ino: number } {
    return this.op(() => fs.statSync(file));
  }
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
    return this.op(() => fs.readSync(fd, buffer, offset, length, position));
  }
  existsSync(file: string): boolean {
    return this.op(() => fs.existsSync(file));
  }
}

/** A sink and everything it was given, in order. */
function writer(file: string, rotateBytes: number): { sink: LogSink; written: Buffer[]; write: (text: string | Buffer) => void } {
  const sink = new LogSink(file, { rotateBytes });
  const written: Buffer[] = [];
  return {
    sink,
    written,
    write: (text) => {
      const chunk = typeof text === 'string' ? Buffer.from(text) : text;
      written.push(chunk);
      sink.write(chunk);
    },
  };
}

/** Opens a follow whose every file operation (the writer-alive check included) is counted. */
function follow(file: string, fsOps: Interleaved): { follow: LogFollow; out: () => string } {
  const chunks: string[] = [];
  const f = LogFollow.open(file, (c) => chunks.push(c), fsOps, () => fsOps.op(() => logWriterAlive(file)));
  assert.ok(f, 'the log is there');
  return { follow: f, out: () => chunks.join('') };
}

/** Looks until the writer is gone and everything is out; the count bounds a follow that never ends. */
function drainToEnd(f: LogFollow): void {
  for (let i = 0; i < 100; i++) {
    if (f.poll()) {
      f.finish();
      f.close();
      return;
    }
  }
  assert.fail('the follow did not end after its writer closed');
}

const line = (i: number) => `${String(i).padStart(6, '0')}\n`;
const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => line(from + i)).join('');

const STREAM = Buffer.from(Array.from({ length: 400 }, (_, i) => `é${line(i)}`).join(''));

/** How many operations one look makes in `scenario` with no writer step inside it (the points to try). */
function opsOfOneLook(scenario: (fsOps: Interleaved) => void): number {
  const probe = new Interleaved();
  scenario(probe);
  return probe.calls;
}

describe('LogFollow: writes between any two of its steps', () => {
  // A sink that rotates at 70 bytes (10 lines); the follow starts with 4 lines in the file.
  const ROTATE = 70;
  const run = (place: (fsOps: Interleaved, w: ReturnType<typeof writer>) => void) => {
    const file = logFile();
    const w = writer(file, ROTATE);
    w.write(lines(0, 4));
    const fsOps = new Interleaved();
    place(fsOps, w);
    const f = follow(file, fsOps);
    f.follow.poll();
    // More after the first look, then the end.
    w.write(lines(100, 3));
    w.sink.close();
    drainToEnd(f.follow);
    return { got: f.out(), want: Buffer.concat(w.written).toString(), rotated: fs.existsSync(`${file}.1`) };
  };
  // Counts the operations of opening plus the first look with nothing in between.
  const points = opsOfOneLook((fsOps) => {
    const file = logFile();
    const w = writer(file, ROTATE);
    w.write(lines(0, 4));
    follow(file, fsOps).follow.poll();
    w.sink.close();
  });

  it('an append at every point of the first look, a partial line included, comes out once', () => {
    assert.ok(points >= 6, `the first look made ${points} operations`);
    for (let at = 1; at <= points; at++) {
      const { got, want } = run((fsOps, w) => fsOps.after(at, () => w.write('000004\n0000')));
      assert.equal(describeDifference(got, want), undefined, `append after operation ${at}: ${describeDifference(got, want)}`);
    }
  });

  it('a rotation at every point of the first look: the old file finished, the new one from its start', () => {
    for (let at = 1; at <= points; at++) {
      // 4 + 5 lines fit in 70 bytes; the 10th and 11th start the new file.
      const { got, want, rotated } = run((fsOps, w) =>
        fsOps.after(at, () => {
          w.write(lines(4, 5));
          w.write(lines(9, 2));
        }),
      );
      assert.ok(rotated, 'the sink rotated');
      assert.equal(describeDifference(got, want), undefined, `rotation after operation ${at}: ${describeDifference(got, want)}`);
    }
  });

  it('the sink closing at every point of a look: the follow ends with everything', () => {
    for (let at = 1; at <= points; at++) {
      const file = logFile();
      const w = writer(file, ROTATE);
      w.write(lines(0, 4));
      const fsOps = new Interleaved();
      fsOps.after(at, () => {
        w.write('last\n');
        w.sink.close();
      });
      const f = follow(file, fsOps);
      drainToEnd(f.follow);
      assert.equal(f.out(), `${lines(0, 4)}last\n`, `close after operation ${at}`);
    }
  });

  it('random writes and rotations between any of its steps: every byte once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ after: fc.integer({ min: 1, max: 40 }), bytes: fc.integer({ min: 1, max: 60 }) }), { maxLength: 30 }),
        fc.integer({ min: 40, max: 200 }),
        (steps, rotateBytes) => {
          const file = logFile();
          const w = writer(file, rotateBytes);
          // One valid UTF-8 stream written in pieces: multi-byte characters get cut between writes.
          let offset = 0;
          const text = (n: number) => STREAM.subarray(offset, (offset += n));
          w.write(text(3));
          let size = 3;
          const fsOps = new Interleaved();
          const f = follow(file, fsOps);
          // The guarantee's condition: no second rotation before the follow has opened the file after the first.
          let lastRotation = 0;
          let i = 0;
          const schedule = (): void => {
            if (i < steps.length) fsOps.after(fsOps.calls + steps[i]!.after, step);
          };
          const step = (): void => {
            const s = steps[i]!;
            const rotates = size > 0 && size + s.bytes > rotateBytes;
            if (rotates && (fsOps.openedAt.get(file) ?? 0) <= lastRotation) return void fsOps.after(fsOps.calls + 1, step);
            if (rotates) lastRotation = fsOps.calls;
            size = rotates ? s.bytes : size + s.bytes;
            w.write(text(s.bytes));
            i++;
            schedule();
          };
          schedule();
          for (let looks = 0; looks < 1000 && i < steps.length; looks++) f.follow.poll();
          assert.equal(i, steps.length, 'every step ran');
          w.sink.close();
          drainToEnd(f.follow);
          const want = Buffer.concat(w.written).toString();
          assert.equal(describeDifference(f.out(), want), undefined, describeDifference(f.out(), want));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('LogFollow: opening', () => {
  it('a log caught between its rotation and its reopening is followed from <file>.1, not taken for absent', () => {
    const file = logFile();
    // What the sink's rotate() does, stopped between its rename and its reopen.
    writeWriterMark(file);
    fs.writeFileSync(file, 'old part\n');
    fs.renameSync(file, `${file}.1`);
    const chunks: string[] = [];
    const f = LogFollow.open(file, (c) => chunks.push(c));
    assert.ok(f, 'followed, not "no such log on this host"');
    f.poll();
    fs.writeFileSync(file, 'new part\n');
    f.poll();
    fs.rmSync(writerMarkFile(file));
    drainToEnd(f);
    assert.equal(chunks.join(''), 'old part\nnew part\n');
  });

  it('no log at all, or only a finished run\'s <file>.1: nothing to follow', () => {
    const file = logFile();
    assert.equal(LogFollow.open(file, () => undefined), undefined);
    fs.writeFileSync(`${file}.1`, 'stale\n');
    assert.equal(LogFollow.open(file, () => undefined), undefined);
  });
});
