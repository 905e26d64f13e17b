// What starts a container's process group: the contract, and the in-process implementation that does
// the work (spawn, output into the log file, the group's end). The worker does not use it directly:
// a fork of a 300-500 MB worker costs ~2.5 times one of a small process and blocks its event loop, so
// the worker hands every spawn to a small launcher process (./launcher-process.ts), which runs this
// code (./launcher-main.ts). Tests and benchmarks may still run it in-process.
import fs from 'node:fs';
import { LogSink, type LogTail } from './log-sink';
import { spawnGroup, type ExitStatus, type ProcessGroup } from './process-group';

export interface SpawnRequest {
  file: string;
  args: string[];
  cwd?: string;
  /** The whole environment of the process. */
  env: Record<string, string>;
  /** stdout and stderr go here (./log-sink.ts: rotated, with the newest bytes kept as the tail). */
  logFile: string;
  /**
   * The process is bwrap with `--info-fd 3`: the group is gone once the sandbox's init is, even
   * while the host's init has yet to reap it (see ./sandbox.ts).
   */
  sandboxInit?: boolean;
  /**
   * With `sandboxInit`, the process is bwrap with `--block-fd 4` too: the sandbox's init is joined to
   * these cgroup.procs files (its pid written to each) before bwrap lets it run the command. If it
   * cannot be, the container is killed and ends with exit code 125, the container runtime's own
   * failure, saying why in its log: it never runs outside its limits.
   */
  cgroupProcs?: string[];
}

export interface LogResult {
  /** Undefined when the log file could not be opened. */
  file?: string;
  tail: LogTail;
}

export interface GroupExit extends ExitStatus {
  log: LogResult;
}

/** A started process group, wherever it was started. */
export interface LaunchedGroup {
  /** Also the process group id. */
  readonly pid: number;
  /** True once the main process has exited (the rest of the group is being killed). */
  readonly exited: boolean;
  /** Resolves when the main process has exited, output is in the log and nothing of the group remains. */
  readonly done: Promise<GroupExit>;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves when the group is gone. Idempotent. */
  terminate(graceMs: number): Promise<void>;
  /** SIGKILL to the group now, without waiting. */
  kill(): void;
}

export interface SpawnError {
  /** errno name (ENOENT, EACCES...) when the exec failed. */
  code?: string;
  message: string;
}

export type SpawnResult = { ok: true; group: LaunchedGroup } | { ok: false; error: SpawnError; logFile?: string };

export interface PodLauncher {
  /** `onLogError` hears, once, that the log file cannot be written (the tail still works). */
  spawn(request: SpawnRequest, onLogError: (message: string) => void): Promise<SpawnResult>;
  /** Kills whatever still runs and releases the launcher. */
  close(): Promise<void>;
}

/** Spawns from this very process. */
export class DirectLauncher implements PodLauncher {
  private readonly live = new Set<DirectGroup>();

  async spawn(request: SpawnRequest, onLogError: (message: string) => void): Promise<SpawnResult> {
    const sink = new LogSink(request.logFile, { onError: onLogError });
    let info = '';
    let init: number | undefined;
    /** Set when the join failed: the container's exit, whatever the killed bwrap says. */
    let joinFailed: ExitStatus | undefined;
    const join = request.cgroupProcs;
    const spawned = await spawnGroup(request.file, request.args, {
      cwd: request.cwd,
      env: request.env,
      onOutput: (chunk) => sink.write(chunk),
      ...(request.sandboxInit
        ? {
            onFd3: (chunk: Buffer, group: ProcessGroup) => {
              if (init !== undefined) return;
              info += chunk.toString('utf8');
              const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
              if (!m) return;
              init = Number(m[1]);
              if (join === undefined) return;
              const failure = joinCgroups(init, join);
              if (failure === undefined) return group.openGate();
              // Gone already (bwrap failed on its own): its exit says why.
              if (failure.code === 'ESRCH' || group.exited) return group.kill();
              sink.write(Buffer.from(`durable-jobs: cannot join the cgroup ${failure.file}: ${failure.message}\n`));
              joinFailed = { code: 125, signal: null };
              group.kill();
            },
            remains: (group: ProcessGroup) => (init === undefined ? group.isAlive() : initRuns(init, group.pid)),
            ...(join !== undefined ? { gate: true } : {}),
          }
        : {}),
    });
    if (!spawned.ok) {
      sink.close();
      const { code, message } = spawned.error;
      return { ok: false, error: { ...(code !== undefined ? { code } : {}), message }, ...(sink.file !== undefined ? { logFile: sink.file } : {}) };
    }
    const group = new DirectGroup(spawned.group, sink, () => joinFailed);
    this.live.add(group);
    void group.done.then(() => this.live.delete(group));
    return { ok: true, group };
  }

  close(): Promise<void> {
    for (const group of this.live) group.kill();
    return Promise.resolve();
  }
}

export class DirectGroup implements LaunchedGroup {
  readonly done: Promise<GroupExit>;

  constructor(
    private readonly group: ProcessGroup,
    sink: LogSink,
    /** What the group's end is reported as instead of its main process's status, when the launcher decided it. */
    override: () => ExitStatus | undefined = () => undefined,
  ) {
    this.done = group.done.then((status) => {
      sink.close();
      const log: LogResult = { tail: sink.tail(), ...(sink.file !== undefined ? { file: sink.file } : {}) };
      return { ...(override() ?? status), log };
    });
  }

  get pid(): number {
    return this.group.pid;
  }

  get exited(): boolean {
    return this.group.exited;
  }

  get mainExit(): Promise<ExitStatus> {
    return this.group.mainExit;
  }

  terminate(graceMs: number): Promise<void> {
    return this.group.terminate(graceMs);
  }

  kill(): void {
    this.group.kill();
  }
}

/** Moves the process into each cgroup (its future children follow); the first failure, if any. */
function joinCgroups(pid: number, procsFiles: readonly string[]): { file: string; code?: string; message: string } | undefined {
  for (const file of procsFiles) {
    try {
      fs.writeFileSync(file, String(pid));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { file, ...(e.code !== undefined ? { code: e.code } : {}), message: e.message };
    }
  }
  return undefined;
}

/** True while the sandbox's init runs: not reaped, not a zombie, and still the one we started. */
function initRuns(pid: number, pgid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) state ppid pgrp ...": comm may contain anything, so parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  return state !== 'Z' && state !== 'X' && Number(fields[2]) === pgid;
}
