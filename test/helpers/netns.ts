// Hosts in their own network namespaces, so that worker processes reach the Temporal server only over a
// network, as on separate machines. Each host gets a veth pair to the root namespace and its own
// hostname (UTS namespace); the server listens on an address held by a veth pair that stays in the root
// namespace, which every host routes to through its own link. Needs root and `ip` (iproute2).
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

export interface NetHost {
  name: string;
  ns: string;
  /** Wraps a command so it runs inside this host's namespaces, under its hostname. */
  command(cmd: string, args: string[]): { cmd: string; args: string[] };
  /** Every process in this host's network namespace: the worker, its launcher, its pods. */
  pids(): number[];
}

export interface Network {
  /** The address the server binds and the hosts connect to. */
  serverIp: string;
  hosts: NetHost[];
  /** SIGKILLs every process in the hosts' namespaces, then removes the namespaces and links; synchronous. */
  teardown(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function pidsIn(ns: string): number[] {
  return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** The network, or the reason it cannot be made here (then the caller runs its hosts unisolated). */
export function createNetwork(hostNames: string[]): Network | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: 'network namespaces need root' };
  const tag = randomInt(0x10000, 0xfffff).toString(16);
  // 10.<second>.x.y, random per run so that parallel runs on one machine do not collide.
  const second = randomInt(200, 250);
  const serverIp = `10.${second}.250.1`;
  const made: Array<() => void> = [];
  const teardown = (): void => {
    // Once: a second call (the after hook, then the exit handler) finds nothing left to undo.
    for (const undo of made.splice(0).reverse()) {
      try {
        undo();
      } catch {
        // Already gone.
      }
    }
  };
  try {
    const sv = `dj${tag}s`;
    ip('link', 'add', `${sv}0`, 'type', 'veth', 'peer', 'name', `${sv}1`);
    made.push(() => ip('link', 'del', `${sv}0`));
    ip('addr', 'add', `${serverIp}/32`, 'dev', `${sv}0`);
    ip('link', 'set', `${sv}0`, 'up');
    ip('link', 'set', `${sv}1`, 'up');
    const hosts = hostNames.map((name, i): NetHost => {
      const ns = `dj${tag}h${i}`;
      ip('netns', 'add', ns);
      // Deleting the namespace deletes its end of the pair, and with it the root end. Whatever still runs
      // in it (a worker a failed test left, its pods) is killed first: it would keep the namespace alive.
      made.push(() => {
        killPids(pidsIn(ns));
        ip('netns', 'del', ns);
      });
      ip('link', 'add', ns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('addr', 'add', `10.${second}.${i}.1/24`, 'dev', ns);
      ip('link', 'set', ns, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `10.${second}.${i}.2/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'route', 'add', 'default', 'via', `10.${second}.${i}.1`);
      return {
        name,
        ns,
        // `ip netns exec`, `unshare` and `sh` each exec the next: the pid spawned is the command's own.
        command: (cmd, args) => ({
          cmd: 'ip',
          args: ['netns', 'exec', ns, 'unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', name, cmd, ...args],
        }),
        pids: () => pidsIn(ns),
      };
    });
    return { serverIp, hosts, teardown };
  } catch (err) {
    teardown();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { unavailable: `could not set up network namespaces: ${stderr || (err instanceof Error ? err.message : String(err))}` };
  }
}
