// One container's combined output: the full log on disk (bounded by rotation) and the newest
// bytes in memory, which go back to the workflow as the result's logTail.
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, mkdirPrivate } from '../data-dir/private-files';
import { closeWriterMark, writeWriterMark } from '../data-dir/writer-mark';

// The writer mark is shared with the log's readers (src/client/log-follow.ts).
export { logWriterAlive, writerMarkFile, type WriterMark } from '../data-dir/writer-mark';

export const TAIL_BYTES = 64 * 1024;
/** The file rotates to `<file>.1` past this size, so a container keeps at most about twice it on disk. */
export const ROTATE_BYTES = 5 * 1024 * 1024;

export interface LogTail {
  text: string;
  truncated: boolean;
}

export interface LogSinkOptions {
  tailBytes?: number;
  rotateBytes?: number;
  /** Told once when the file cannot be written; the in-memory tail keeps working regardless. */
  onError?: (message: string) => void;
}

export class LogSink {
  private fd: number | undefined;
  private fileBytes = 0;
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;
  private totalBytes = 0;
  private failed = false;
  private readonly tailBytes: number;
  private readonly rotateBytes: number;

  /** `file` is undefined when the log could not be opened. */
  readonly file: string | undefined;

  constructor(
    file: string,
    private readonly options: LogSinkOptions = {},
  ) {
    this.tailBytes = options.tailBytes ?? TAIL_BYTES;
    this.rotateBytes = options.rotateBytes ?? ROTATE_BYTES;
    try {
      mkdirPrivate(path.dirname(file));
      // A rerun of the same pod attempt starts a fresh log rather than appending to a stale one.
      fs.rmSync(`${file}.1`, { force: true });
      // Before the log exists: a follower that finds the log then always finds who writes it.
      writeWriterMark(file);
      this.fd = fs.openSync(file, 'w', PRIVATE_FILE_MODE);
      this.file = file;
    } catch (err) {
      this.fail(`cannot open log file ${file}: ${describe(err)}`);
      this.file = undefined;
    }
  }

  /**
   * Synchronous writes keep stdout and stderr chunks in the order they arrived without a queue;
   * pipe reads are at most 64 KiB and land in the page cache, so the event loop barely notices.
   */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.totalBytes += chunk.length;
    this.remember(chunk);
    if (this.fd === undefined) return;
    try {
      if (this.fileBytes > 0 && this.fileBytes + chunk.length > this.rotateBytes) this.rotate();
      fs.writeSync(this.fd, chunk);
      this.fileBytes += chunk.length;
    } catch (err) {
      this.closeFile();
      this.fail(`cannot write log file ${this.file}: ${describe(err)}`);
    }
  }

  close(): void {
    this.closeFile();
  }

  /** Bytes the container produced, whether or not they still fit in the tail. */
  get bytesWritten(): number {
    return this.totalBytes;
  }

  /**
   * The newest output as text of at most `tailBytes` UTF-8 bytes. Invalid UTF-8 becomes U+FFFD, which
   * can take more bytes than what it replaced, so the decoded text is trimmed again to the limit.
   */
  tail(): LogTail {
    let bytes: Buffer = Buffer.concat(this.chunks, this.chunkBytes);
    let truncated = this.totalBytes > bytes.length;
    if (bytes.length > this.tailBytes) {
      bytes = bytes.subarray(bytes.length - this.tailBytes);
      truncated = true;
    }
    // A cut through a multi-byte character would start the text with replacement characters.
    if (truncated) bytes = skipContinuationBytes(bytes);
    let text = bytes.toString('utf8');
    const encoded = Buffer.from(text, 'utf8');
    if (encoded.length > this.tailBytes) {
      text = skipContinuationBytes(encoded.subarray(encoded.length - this.tailBytes)).toString('utf8');
      truncated = true;
    }
    return { text, truncated };
  }

  private remember(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // Drop whole chunks that lie entirely before the newest tailBytes.
    while (this.chunks.length > 1 && this.chunkBytes - this.chunks[0]!.length >= this.tailBytes) {
      this.chunkBytes -= this.chunks.shift()!.length;
    }
  }

  private rotate(): void {
    if (this.fd === undefined || this.file === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    fs.renameSync(this.file, `${this.file}.1`);
    this.fd = fs.openSync(this.file, 'w', PRIVATE_FILE_MODE);
    this.fileBytes = 0;
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.closeSync(fd);
    } catch {
      // Nothing useful to do: the tail is still in memory.
    }
    if (this.file === undefined) return;
    try {
      closeWriterMark(this.file);
    } catch (err) {
      // A follower would wait for a writer that is gone: say why.
      this.fail(`cannot close the writer mark of ${this.file}: ${describe(err)}`);
    }
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.options.onError?.(message);
  }
}

/** Drops at most 3 leading UTF-8 continuation bytes (0b10xxxxxx): the remains of a cut character. */
function skipContinuationBytes(bytes: Buffer): Buffer {
  let start = 0;
  while (start < 3 && start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
