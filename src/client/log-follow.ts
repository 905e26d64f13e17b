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
  const file = podLogFile(opts.dataDir, opts.namespace, opts.pod, opts.container, restart);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  const pollMs = opts.pollMs ?? 100;
  const decoder = new StringDecoder('utf8');
  const emit = (bytes: Buffer): void => {
    const text = decoder.write(bytes);
    if (text !== '') write(text);
  };
  let ino = fs.fstatSync(fd).ino;
  let pos = 0;
  try {
    // The part rotated out before we came, unless the file we opened was renamed to it meanwhile.
    emitRotated(`${file}.1`, ino, emit);
    for (;;) {
      // Looked at before draining, so the last drain after the writer is gone reads everything it wrote.
      const ended = !logWriterAlive(file);
      pos = drain(fd, pos, emit);
      const now = statIno(file);
      if (now !== undefined && now !== ino) {
        // Rotated: our fd is now `<file>.1`, and the writer never appends to it again; finish it, then
        // start on the new file from its beginning.
        drain(fd, pos, emit);
        fs.closeSync(fd);
        try {
          fd = fs.openSync(file, 'r');
        } catch {
          // Rotated again and not yet reopened: look next round.
          fd = fs.openSync('/dev/null', 'r');
        }
        ino = fs.fstatSync(fd).ino;
        pos = 0;
        continue;
      }
      if (ended || signal.aborted) break;
      await pause(pollMs, signal);
    }
    const rest = decoder.end();
    if (rest !== '') write(rest);
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads from `pos` to the end of the file; returns the new position. */
function drain(fd: number, pos: number, emit: (bytes: Buffer) => void): number {
  // A rerun of the same pod attempt truncates the log: start over.
  if (fs.fstatSync(fd).size < pos) pos = 0;
  const buf = Buffer.allocUnsafe(READ_BYTES);
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return pos;
    pos += n;
    emit(Buffer.from(buf.subarray(0, n)));
  }
}

function emitRotated(older: string, currentIno: number, emit: (bytes: Buffer) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(older, 'r');
  } catch {
    return;
  }
  try {
    if (fs.fstatSync(fd).ino !== currentIno) drain(fd, 0, emit);
  } finally {
    fs.closeSync(fd);
  }
}

function statIno(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
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
