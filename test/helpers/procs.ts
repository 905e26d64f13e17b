// Finding a test's processes on this host by a unique word in their command line (e.g. the argument of
// `sleep 1001.<token>`), straight from /proc: what `ps` would show, zombies excluded.
import net from 'node:net';
import fs from 'node:fs';

export interface HostProcess {
  pid: number;
  pgid: number;
  state: string;
  cmdline: string;
}

export function processesWith(word: string): HostProcess[] {
  const found: HostProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (!cmdline.includes(word)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = fields[0] ?? '?';
      if (state === 'Z' || state === 'X') continue;
      found.push({ pid: Number(entry), pgid: Number(fields[2]), state, cmdline });
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Waits until `check` holds, polling; false when it did not within timeoutMs. */
export async function eventually(check: () => boolean, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** SIGKILLs whatever a failed test left behind, so that one failure does not leak into the next run. */
export function killAll(word: string): void {
  for (const p of processesWith(word)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** A word unique to this test run, to put in the command lines of its processes. */
export function token(): string {
  return `${process.pid}${Date.now() % 100000}`;
}

/** A TCP port free on 127.0.0.1 a moment ago (for a server a test starts, such as a metrics endpoint). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
