// Ending a server started in its own process group (`spawn(..., { detached: true })`) from code that may
// not await: a test's `exit` and signal handlers, where the event loop runs no more. Synchronous, so the
// caller knows the group is gone (or was sent SIGKILL) when it returns.
import { readFileSync } from 'node:fs';

/** Alive and not a zombie: an exited child stays in /proc until Node reaps it, which a blocked loop never does. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone already.
  }
}

/**
 * Sends `first` to the group led by `pid` and waits up to `graceMs` for its leader to exit (a database
 * cleaning up after itself), then SIGKILLs the whole group, whatever of it remains.
 */
export function killGroupNow(pid: number | undefined, first: NodeJS.Signals = 'SIGKILL', graceMs = 0): void {
  if (pid === undefined || pid <= 0) return;
  if (first !== 'SIGKILL' && running(pid)) {
    signalGroup(pid, first);
    const end = Date.now() + graceMs;
    while (running(pid) && Date.now() < end) sleepSync(50);
  }
  signalGroup(pid, 'SIGKILL');
}
