// `logs -f` on the worker's host: stream a container's full log file (src/activities/log-sink.ts) as it grows,
// across the sink's rotation, until the container's run ends (its sink closes, or the process writing
// it is gone) or the caller aborts.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { latestLogRestart, logWriterAlive, podLogFile } from '../data-dir';

export interface FollowPodLogOptions {
  dataDir: string;
  namespace: string;
  pod: string;
  container: string;
  /** Which run of the container (0 for the first); the latest run on this host when unset. */
  restartCount?: number;
  /** How often the file is looked at for new data; 100 ms by default. */
  pollMs?: number;
}

const READ_BYTES = 64 * 1024;

/**
 * Writes the log so far (the rotated-out older part first), then what is appended, until the run
 * ends or `signal` aborts. Resolves false at once when this host has no such log, true otherwise.
 */
export async function followPodLog(opts: FollowPodLogOptions, write: (chunk: string) => void, signal: AbortSignal): Promise<boolean> {
  const restart = opts.restartCount ?? latestLogRestart(opts.dataDir, opts.namespace, opts.pod, opts.container);
  if (restart === undefined) return false;
  const follow = LogFollow.open(podLogFile(opts.dataDir, opts.namespace, opts.pod, opts.container, restart), write);
  if (!follow) return false;
  const pollMs = opts.pollMs ?? 100;
  try {
    while (!follow.poll() && !signal.aborted) await pause(pollMs, signal);
    follow.finish();
    return true;
  } finally {
    follow.close();
  }
}

/** The file operations a follow makes: node's, or a test's that interleaves a writer's steps with them. */
export interface FollowFs {
  openSync(file: string, flags: 'r'): number;
  closeSync(fd: number): void;
  fstatSync(fd: number): { ino: number; size: number };
  /** Throws when `file` does not exist. */
  statSync(file: string): { ino: number };
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  existsSync(file: string): boolean;
}

/**
 * One follow of one log file, a look at a time (`poll`), with no timer of its own: `followPodLog` paces it,
 * and tests drive it step by step against a writer.
 *
 * Invariant: every byte the writer put in the file is written out once, in order, as long as the sink
 * does not rotate again before a look has moved the follow to the file of its last rotation (about one
 * poll: 5 MB per rotation, so 50 MB/s of output). A second rotation replaces `<file>.1` on disk before
 * it was read; the sink keeps about twice its rotation size, by design. test/log-follow-steps.test.ts
 * puts the sink's writes between any two of the follow's operations.
 */
export class LogFollow {
  private readonly decoder = new StringDecoder('utf8');
  private ino: number;
  /** Bytes of the file behind `fd` already written out. */
  private pos = 0;
  private started = false;
  private closed = false;

  private constructor(
    private readonly file: string,
    private fd: number,
    private readonly write: (chunk: string) => void,
    private readonly fsOps: FollowFs,
    private readonly writerAlive: () => boolean,
  ) {
    this.ino = fsOps.fstatSync(fd).ino;
  }

  /**
   * Undefined when this host has no such log. A log caught between the sink's rename to `<file>.1` and its
   * reopening (its writer still there) is followed from `<file>.1`, as if the new file were still empty.
   */
  static open(file: string, write: (chunk: string) => void, fsOps: FollowFs = fs, writerAlive: () => boolean = () => logWriterAlive(file)): LogFollow | undefined {
    let fd: number;
    try {
      fd = fsOps.openSync(file, 'r');
    } catch {
      if (!fsOps.existsSync(`${file}.1`) || !writerAlive()) return undefined;
      fd = fsOps.openSync('/dev/null', 'r');
    }
    return new LogFollow(file, fd, write, fsOps, writerAlive);
  }

  /** Writes out what is new; true once the writer is gone and all it wrote has been written out. */
  poll(): boolean {
    if (!this.started) {
      this.started = true;
      // The part rotated out before we came, unless the file we opened was renamed to it meanwhile.
      this.emitRotated();
    }
    for (;;) {
      // Looked at before draining, so the last drain after the writer is gone reads everything it wrote.
      const ended = !this.writerAlive();
      this.drain();
      const now = this.statIno();
      if (now === undefined || now === this.ino) return ended;
      // Rotated: our fd is now `<file>.1`, and the writer never appends to it again; finish it, then
      // start on the new file from its beginning.
      this.drain();
      this.fsOps.closeSync(this.fd);
      try {
        this.fd = this.fsOps.openSync(this.file, 'r');
      } catch {
        // Rotated again and not yet reopened: look next round.
        this.fd = this.fsOps.openSync('/dev/null', 'r');
      }
      this.ino = this.fsOps.fstatSync(this.fd).ino;
      this.pos = 0;
    }
  }

  /** The end of the text: a character the log ended in the middle of. */
  finish(): void {
    const rest = this.decoder.end();
    if (rest !== '') this.write(rest);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fsOps.closeSync(this.fd);
  }

  private emit(bytes: Buffer): void {
    const text = this.decoder.write(bytes);
    if (text !== '') this.write(text);
  }

  /** Reads from `pos` to the end of the file. */
  private drain(): void {
    // A rerun of the same pod attempt truncates the log: start over.
    if (this.fsOps.fstatSync(this.fd).size < this.pos) this.pos = 0;
    this.pos = readAll(this.fsOps, this.fd, this.pos, (b) => this.emit(b));
  }

  private emitRotated(): void {
    let fd: number;
    try {
      fd = this.fsOps.openSync(`${this.file}.1`, 'r');
    } catch {
      return;
    }
    try {
      if (this.fsOps.fstatSync(fd).ino !== this.ino) readAll(this.fsOps, fd, 0, (b) => this.emit(b));
    } finally {
      this.fsOps.closeSync(fd);
    }
  }

  private statIno(): number | undefined {
    try {
      return this.fsOps.statSync(this.file).ino;
    } catch {
      return undefined;
    }
  }
}

/** Reads `fd` from `pos` to its end; returns the position after the last byte read. */
function readAll(fsOps: FollowFs, fd: number, pos: number, emit: (bytes: Buffer) => void): number {
  const buf = Buffer.allocUnsafe(READ_BYTES);
  for (;;) {
    const n = fsOps.readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return pos;
    pos += n;
    emit(Buffer.from(buf.subarray(0, n)));
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
