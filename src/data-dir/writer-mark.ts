// `<log>.writer`: who writes a log file, so that a follower knows when the log is complete. Written by the
// pod activity's log sink, read by the client's follower.
import fs from 'node:fs';
import { writePrivateFile } from './private-files';

/**
 * `<log>.writer`: which process writes the log, from just before the log is opened until it is closed,
 * when it is rewritten as closed (CLOSED_MARK). A follower stops when the mark says closed or is gone,
 * or when its process is (a worker killed with SIGKILL never closes it). The process's start time
 * guards against a recycled pid.
 */
export function writerMarkFile(logFile: string): string {
  return `${logFile}.writer`;
}

export interface WriterMark {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); absent off Linux. */
  startTime?: string;
}

/**
 * What a closed log's mark says: no pid, so no writer. The mark is rewritten rather than removed because
 * on ext4 without a journal every inode unlinked in the last minutes (up to 5 while its inode table block
 * is dirty) is scanned past by each later file creation: that scan was 22-33% of the pod launcher's CPU
 * over 1,000 pods (perf, 29 Nov), and an unlink per pod would add ~100 inodes a second to it. Measured
 * at 1,000 pods, the launcher's CPU did not change: there the scan was fed by other deletions (a
 * removed tree of an earlier run).
 */
const CLOSED_MARK = '{"closed":true}\n';

let ownMark: string | undefined;

export function writeWriterMark(logFile: string): void {
  if (ownMark === undefined) {
    const mark: WriterMark = { pid: process.pid };
    const start = processStartTime(process.pid);
    if (start !== undefined) mark.startTime = start;
    ownMark = `${JSON.stringify(mark)}\n`;
  }
  writePrivateFile(writerMarkFile(logFile), ownMark);
}

/** Nothing more will be written to the log: followers stop once they have read the rest. */
export function closeWriterMark(logFile: string): void {
  writePrivateFile(writerMarkFile(logFile), CLOSED_MARK);
}

/** Whether the log's writer may still append to it. */
export function logWriterAlive(logFile: string): boolean {
  let mark: Partial<WriterMark>;
  try {
    mark = JSON.parse(fs.readFileSync(writerMarkFile(logFile), 'utf8')) as Partial<WriterMark>;
  } catch (err) {
    // Gone: no writer (a log from before marks were closed in place). Unreadable (half-written by a
    // writer that is starting or closing): assume alive, the follower asks again.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  // A closed mark has no pid.
  if (typeof mark.pid !== 'number') return false;
  try {
    process.kill(mark.pid, 0);
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return mark.startTime === undefined || processStartTime(mark.pid) === mark.startTime;
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; fields resume after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
