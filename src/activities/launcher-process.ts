// The worker's side of its pod launcher (./launcher-main.ts): a small Node process forked once, on
// the first spawn, that does the pods' forks, so that their cost does not grow with the worker's heap
// and the worker's event loop only sends and receives a few small messages per pod.
//
// Lifetimes: the launcher dies with the worker (it watches its IPC channel). If the launcher dies
// first (killed, out of memory), its pods are killed here, reported as ended by SIGKILL, and the next
// spawn starts a new launcher. While no pod runs, the launcher does not keep the worker alive.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TAIL_BYTES } from './log-sink';
import { parseEvent, type LauncherEvent, type LauncherRequest } from './launcher-protocol';
import type { GroupExit, LaunchedGroup, PodLauncher, SpawnRequest, SpawnResult } from './pod-launcher';

interface PendingSpawn {
  resolve: (result: SpawnResult) => void;
  onLogError: (message: string) => void;
  logFile: string;
}

export interface LauncherProcessOptions {
  /** Told when the launcher dies under running pods. */
  log?: (message: string) => void;
}

export class LauncherProcess implements PodLauncher {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly spawning = new Map<number, PendingSpawn>();
  private readonly groups = new Map<number, RemoteGroup>();
  private closed = false;

  constructor(private readonly options: LauncherProcessOptions = {}) {}

  /** The launcher's pid, once started (tests kill it to see what happens). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the launcher now rather than on the first pod, so that the first pod does not wait for it. */
  warm(): void {
    if (!this.closed) this.ensureStarted();
  }

  spawn(request: SpawnRequest, onLogError: (message: string) => void): Promise<SpawnResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { message: 'the pod launcher is closed' } });
    const child = this.ensureStarted();
    const id = this.nextId++;
    return new Promise<SpawnResult>((resolve) => {
      this.spawning.set(id, { resolve, onLogError, logFile: request.logFile });
      this.holdOpen();
      this.send(child, { op: 'spawn', id, ...request });
    });
  }

  /** @internal for RemoteGroup */
  control(request: LauncherRequest): void {
    if (this.child) this.send(this.child, request);
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    // Held while it goes: an unreferenced child's exit would not keep this process waiting for it.
    child.ref();
    // Closing the channel is the launcher's signal to kill what remains and exit.
    if (child.connected) child.disconnect();
    await exited;
  }

  private ensureStarted(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(path.join(__dirname, 'launcher-main.js'), [], {
      // Its own session: a terminal's ^C must reach only the worker, which stops pods gracefully.
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Not the worker's flags (--inspect, a large heap, test runner options).
      execArgv: [],
      serialization: 'json',
    });
    this.child = child;
    child.on('message', (raw: unknown) => this.receive(raw));
    // A failed send or a broken channel ends in 'exit' too, which is where it is handled.
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => this.lost(child, code, signal));
    this.letGo();
    return child;
  }

  private send(child: ChildProcess, request: LauncherRequest): void {
    if (!child.connected) return;
    try {
      child.send(request, undefined, {}, () => undefined);
    } catch {
      // The launcher is going away; its 'exit' settles every pod.
    }
  }

  private receive(raw: unknown): void {
    const parsed = parseEvent(raw);
    if (!parsed.ok) {
      this.options.log?.(`durable-jobs: the pod launcher sent a malformed message: ${parsed.message}`);
      return;
    }
    this.dispatch(parsed.value);
  }

  private dispatch(event: LauncherEvent): void {
    switch (event.ev) {
      case 'spawned': {
        const pending = this.spawning.get(event.id);
        if (!pending) return;
        this.spawning.delete(event.id);
        const group = new RemoteGroup(this, event.id, event.pid, pending.logFile, pending.onLogError);
        this.groups.set(event.id, group);
        pending.resolve({ ok: true, group });
        return;
      }
      case 'spawnFailed': {
        const pending = this.spawning.get(event.id);
        if (!pending) return;
        this.spawning.delete(event.id);
        this.letGo();
        const error = { message: event.message, ...(event.code !== undefined ? { code: event.code } : {}) };
        pending.resolve({ ok: false, error, ...(event.logFile !== undefined ? { logFile: event.logFile } : {}) });
        return;
      }
      case 'exited':
        this.groups.get(event.id)?.markExited();
        return;
      case 'done': {
        const group = this.groups.get(event.id);
        if (!group) return;
        this.groups.delete(event.id);
        this.letGo();
        const log = { tail: event.tail, ...(event.logFile !== undefined ? { file: event.logFile } : {}) };
        group.finish({ code: event.code, signal: event.signal, log });
        return;
      }
      case 'logError':
        (this.spawning.get(event.id)?.onLogError ?? this.groups.get(event.id)?.onLogError)?.(event.message);
        return;
    }
  }

  /** The launcher exited: what it was running cannot be watched any more, so it is ended here. */
  private lost(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = undefined;
    const how = signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}`;
    if (this.spawning.size + this.groups.size > 0) {
      this.options.log?.(`durable-jobs: the pod launcher (pid ${String(child.pid)}) ${how}; its ${this.groups.size} running container(s) are killed`);
    }
    for (const [id, pending] of this.spawning) {
      this.spawning.delete(id);
      pending.resolve({ ok: false, error: { message: `the pod launcher ${how}` } });
    }
    for (const [id, group] of this.groups) {
      this.groups.delete(id);
      group.killHere();
      group.finish({ code: null, signal: 'SIGKILL', log: { file: group.logFile, tail: fileTail(group.logFile) } });
    }
  }

  /** A running pod keeps the worker's process alive, as its own child process would. */
  private holdOpen(): void {
    this.child?.ref();
    this.child?.channel?.ref();
  }

  private letGo(): void {
    if (this.spawning.size + this.groups.size > 0) return;
    this.child?.unref();
    this.child?.channel?.unref();
  }
}

class RemoteGroup implements LaunchedGroup {
  readonly done: Promise<GroupExit>;
  private resolveDone!: (exit: GroupExit) => void;
  private mainExited = false;
  private finished = false;
  private terminating: Promise<void> | undefined;

  constructor(
    private readonly launcher: LauncherProcess,
    private readonly id: number,
    readonly pid: number,
    readonly logFile: string,
    readonly onLogError: (message: string) => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get exited(): boolean {
    return this.mainExited;
  }

  markExited(): void {
    this.mainExited = true;
  }

  finish(exit: GroupExit): void {
    if (this.finished) return;
    this.finished = true;
    this.mainExited = true;
    this.resolveDone(exit);
  }

  terminate(graceMs: number): Promise<void> {
    this.terminating ??= (async () => {
      if (!this.finished) this.launcher.control({ op: 'terminate', id: this.id, graceMs: Math.max(0, graceMs) });
      await this.done;
    })();
    return this.terminating;
  }

  kill(): void {
    if (!this.finished) this.launcher.control({ op: 'kill', id: this.id });
  }

  /** SIGKILL to the group from here, when its launcher is gone. */
  killHere(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** The newest bytes of a log file, for pods whose launcher died with their tail in its memory. */
function fileTail(file: string): { text: string; truncated: boolean } {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return { text: buf.toString('utf8'), truncated: size > length };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { text: '', truncated: false };
  }
}

let shared: LauncherProcess | undefined;

/** One launcher per process for callers that bring none (scripts, tests calling the activity directly). */
export function sharedLauncher(): LauncherProcess {
  shared ??= new LauncherProcess();
  return shared;
}
