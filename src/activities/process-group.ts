// A container as a local process group. The main process stands in for the container's PID 1:
// when it exits, whatever it left behind is killed, as the kernel does when a container's PID
// namespace ends. Signals go to the whole group, so `sh -c` wrappers and their children stop too.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

export interface ExitStatus {
  /** The exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnGroupOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr chunks, in the order they reach us. */
  onOutput: (chunk: Buffer) => void;
  /** Opens fd 3 of the process as a pipe and hands over what it writes there (bwrap's --info-fd). */
  onFd3?: (chunk: Buffer, group: ProcessGroup) => void;
  /** Opens fd 4 of the process as a pipe it waits on (bwrap's --block-fd) until `ProcessGroup.openGate`. */
  gate?: boolean;
  /**
   * Whether anything of the group may still be running, once its main process has exited. Defaults to
   * "any member exists, zombies included"; a sandbox knows better, as its init lingers as a zombie.
   */
  remains?: (group: ProcessGroup) => boolean;
}

export type SpawnOutcome = { ok: true; group: ProcessGroup } | { ok: false; error: NodeJS.ErrnoException };

/** How long to wait for the pipes to close after the group was killed (a process may have escaped with setsid). */
const DRAIN_TIMEOUT_MS = 2_000;
/**
 * How long to wait for killed processes to be reaped before reporting the group gone anyway. Orphans
 * stay in the group as zombies until init reaps them: some inits take seconds, and a worker running
 * as PID 1 without an init (docker run without --init) never reaps them.
 */
const REAP_TIMEOUT_MS = 5_000;
const REAP_POLL_MS = 20;

export async function spawnGroup(file: string, args: string[], options: SpawnGroupOptions): Promise<SpawnOutcome> {
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      // Its own process group, so that one kill(-pid) reaches everything the container starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.onFd3 || options.gate ? ['pipe' as const] : []), ...(options.gate ? ['pipe' as const] : [])],
      windowsHide: true,
    });
  } catch (err) {
    return { ok: false, error: asErrno(err) };
  }
  // Listeners go on before the first await: a short process may exit right after spawning.
  const group = new ProcessGroup(child, options.onOutput, options.remains);
  const fd3 = child.stdio[3];
  if (options.onFd3 && fd3 && 'on' in fd3) {
    const onFd3 = options.onFd3;
    fd3.on('data', (chunk: Buffer) => onFd3(chunk, group));
    // Nothing to do about a broken info pipe: the group is still watched through its process group.
    fd3.on('error', () => undefined);
  }
  const started = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err) => resolve(err));
  });
  if (started !== undefined || child.pid === undefined) {
    for (const stream of child.stdio) stream?.destroy();
    return { ok: false, error: started ?? asErrno(new Error('spawn failed without an error')) };
  }
  return { ok: true, group };
}

export class ProcessGroup {
  /** Also the process group id. */
  readonly pid: number;
  /** Resolves when the main process has exited, output is drained and no process of the group remains. */
  readonly done: Promise<ExitStatus>;
  /** Resolves when the main process has exited; the rest of the group may still be going away. */
  readonly mainExit: Promise<ExitStatus>;
  private mainExited = false;
  private terminating: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    onOutput: (chunk: Buffer) => void,
    private readonly remains: (group: ProcessGroup) => boolean = (group) => group.isAlive(),
  ) {
    this.pid = child.pid ?? -1;
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.mainExit = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        this.mainExited = true;
        this.signal('SIGKILL');
        resolve({ code, signal });
      });
    });
    // A spawn failure emits no 'exit'; nobody waits on `done` then, but it must not reject unhandled.
    this.done = this.mainExit.then(async (status) => {
      await this.drain(closed);
      await this.waitUntilGone();
      return status;
    });
  }

  /** True once the main process has exited (the rest of the group is being killed). */
  get exited(): boolean {
    return this.mainExited;
  }

  /**
   * Sends a signal to every process of the group. Never throws: it runs from event handlers, where an
   * exception would take the whole worker down, and a group already gone (ESRCH) is the goal anyway.
   */
  signal(sig: NodeJS.Signals): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      // ESRCH: nothing left to signal. EPERM: not ours (the group is gone and its id reused).
    }
  }

  /** Lets a process that waits on fd 4 (SpawnGroupOptions.gate) go on; once. */
  openGate(): void {
    const gate = this.child.stdio[4];
    if (!gate || !('write' in gate) || gate.destroyed) return;
    // Nothing to do if it is gone: its exit is reported as any other.
    gate.on('error', () => undefined);
    gate.end('1');
  }

  /** Ends every process of the group now, without a grace period. */
  kill(): void {
    this.signal('SIGKILL');
  }

  /** True while any process of the group exists (zombies included). */
  isAlive(): boolean {
    if (this.pid <= 0) return false;
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      // ESRCH: gone. EPERM: only processes we may not signal remain (a setuid program), so waiting
      // for them is pointless.
      return false;
    }
  }

  /**
   * SIGTERM to the group, then SIGKILL once `graceMs` passed without the main process exiting.
   * Resolves when the group is gone. Calling it again joins the termination already under way.
   */
  terminate(graceMs: number): Promise<void> {
    this.terminating ??= (async () => {
      if (this.mainExited) {
        await this.done;
        return;
      }
      this.signal('SIGTERM');
      const timer = longTimer(Math.max(0, graceMs));
      const exitedInTime = await Promise.race([this.mainExit.then(() => true), timer.promise.then(() => false)]);
      timer.cancel();
      if (!exitedInTime) this.signal('SIGKILL');
      await this.done;
    })();
    return this.terminating;
  }

  private async drain(closed: Promise<void>): Promise<void> {
    const timer = longTimer(DRAIN_TIMEOUT_MS);
    await Promise.race([closed, timer.promise]);
    timer.cancel();
    // Whoever still holds the pipes escaped the group; stop listening rather than wait forever.
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  private async waitUntilGone(): Promise<void> {
    const deadline = Date.now() + REAP_TIMEOUT_MS;
    while (this.remains(this) && Date.now() < deadline) {
      this.signal('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, REAP_POLL_MS));
    }
  }
}

/** 128 + signal number, as container runtimes report a process ended by a signal. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const number = os.constants.signals[signal];
  return 128 + (typeof number === 'number' ? number : 0);
}

export interface LongTimer {
  promise: Promise<void>;
  cancel(): void;
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days); deadlines can be longer. */
export function longTimer(ms: number): LongTimer {
  const MAX = 2 ** 31 - 1;
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const promise = new Promise<void>((resolve) => {
    const end = Date.now() + ms;
    const arm = (): void => {
      if (cancelled) return;
      const left = end - Date.now();
      if (left <= 0) return resolve();
      handle = setTimeout(arm, Math.min(left, MAX));
    };
    arm();
  });
  return {
    promise,
    cancel: () => {
      cancelled = true;
      if (handle !== undefined) clearTimeout(handle);
    },
  };
}

function asErrno(err: unknown): NodeJS.ErrnoException {
  return err instanceof Error ? (err as NodeJS.ErrnoException) : new Error(String(err));
}
