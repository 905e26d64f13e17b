// Reading a manifest file or stdin as bytes, never more than the request size limit plus one byte, so a
// 50 MB file is refused without being read and stdin is not drained into memory.
import fs from 'node:fs';
import { MAX_MANIFEST_BYTES, ManifestError, decodeManifest, manifestTooLarge } from '../client';
import { CliError } from './output';

/** Up to `max` bytes from a file descriptor; a non-blocking stdin that has nothing yet is waited for. */
function readAtMost(fd: number, max: number): Buffer {
  const buf = Buffer.alloc(max);
  let got = 0;
  while (got < max) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, got, max - got, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * The text of a manifest file (`-` is stdin, named STDIN in messages as kubectl does): at most 3 MiB
 * and valid UTF-8, else a ManifestError naming the file and the limit.
 */
export function readManifestText(file: string): string {
  const source = file === '-' ? 'STDIN' : file;
  let fd: number;
  try {
    fd = file === '-' ? 0 : fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `error: the path "${file}" does not exist` : `error: cannot read "${file}": ${(err as Error).message}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    // A regular file says its size: refuse it unread. Pipes and stdin are read up to the limit.
    if (stat.isFile() && stat.size > MAX_MANIFEST_BYTES) throw manifestTooLarge(source, stat.size);
    const bytes = readAtMost(fd, MAX_MANIFEST_BYTES + 1);
    if (bytes.length > MAX_MANIFEST_BYTES) throw manifestTooLarge(source);
    return decodeManifest(bytes, source);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    throw new CliError(`error: cannot read "${file}": ${(err as Error).message}`);
  } finally {
    if (file !== '-') fs.closeSync(fd);
  }
}
