// `<log>.writer`: who writes a log file, so that a follower knows when the log is complete. Written by the
// pod activity's log sink, read by the client's follower.
import fs from 'node:fs';
import { writePrivateFile } from './private-files';

/**
 * `<log>.writer`: which process writes the log, present from just before the log is opened until it is
 * closed. A follower stops when it is gone, or when that process is (a worker killed with SIGKILL
 * never removes it). The process's start time guards against a recycled pid.
 */
export function writerMarkFile(logFile: string): string {
  return `${logFile}.writer`;
}

export interface WriterMark {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); absent off Linux. */
  startTime?: string;
}

export function writeWriterMark(logFile: string): void {
  const mark: WriterMark = { pid: process.pid };
  const start = processStartTime(process.pid);
  if (start !== undefined) mark.startTime = start;
  writePrivateFile(writerMarkFile(logFile), `${JSON.stringify(mark)}\n`);
}

/** Whether the log's writer may still append to it. */
export function logWriterAlive(logFile: string): boolean {
  let mark: Partial<WriterMark>;
  try {
    mark = JSON.parse(fs.readFileSync(writerMarkFile(logFile), 'utf8')) as Partial<WriterMark>;
  } catch (err) {
    // Gone: the sink closed. Unreadable (half-written by a writer that is starting): assume alive.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
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
