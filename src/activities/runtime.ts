// What a pod run needs from a container runtime: start one container, learn how it ended, stop it
// gracefully. The process runtime (sandboxed or as a bare process group) and the docker runtime
// implement it; the pod run above them stays the same.
import { spawn } from 'node:child_process';
import type { Container, PodSpec } from '../api/types';
import type { ImagePull } from '../api/pod';
import type { PodFacts } from './env';
import type { LogResult } from './pod-launcher';
import { signalExitCode, type ExitStatus } from './process-group';

export interface LaunchRequest {
  container: Container;
  pod: PodFacts;
  /** The pod's spec, for what the container inherits from it (securityContext). */
  podSpec: PodSpec;
  /** 0 for the pod's first run, +1 for each in-place restart; part of the docker container's name. */
  restartCount: number;
  /** emptyDir volumes of the pod: volume name to its directory on this host. */
  volumes: ReadonlyMap<string, string>;
  /** Where the container's stdout and stderr go (./log-sink.ts). */
  logFile: string;
  /** Told once when the log file cannot be written; the tail keeps working regardless. */
  onLogError: (message: string) => void;
}

export interface ContainerExit extends ExitStatus {
  /** The kernel's OOM killer ended it: its memory limit was reached (Kubernetes' reason OOMKilled). */
  oomKilled?: boolean;
  /** Set when the runtime could not run the container after all (docker run's exit code 125), and why. */
  cannotRun?: string;
  /** The log file and its newest bytes. */
  log: LogResult;
  /** The runtime pulled the image before the container ran, or could not (docker). */
  imagePull?: ImagePull;
}

export interface ContainerHandle {
  /** Resolves once the container has ended and nothing of it remains. */
  readonly done: Promise<ContainerExit>;
  /** True once the container's main process has ended (its remains may still be going away). */
  readonly exited: boolean;
  /** SIGTERM (or `docker stop`), SIGKILL after graceMs; resolves when nothing remains. Idempotent. */
  terminate(graceMs: number): Promise<void>;
  /** Last resort on the way out of an unexpected error: ends everything now, without waiting. */
  kill(): void;
}

/** Could not start: the container never ran. `exitCode` follows Docker's (127 not found, 126 not executable). */
export interface LaunchFailure {
  ok: false;
  message: string;
  exitCode: number | null;
  /** The log file, when one was opened before the start failed. */
  logFile?: string;
  /** Set when the container's configuration is missing (a secret): the kubelet's reason instead of ContainerCannotRun. */
  reason?: 'CreateContainerConfigError';
}

export type LaunchResult = { ok: true; handle: ContainerHandle } | LaunchFailure;

export interface ContainerRuntime {
  /** The runtimeClassName it implements. */
  readonly name: string;
  launch(request: LaunchRequest): Promise<LaunchResult>;
}

export function launchFailure(message: string, exitCode: number | null = null, reason?: LaunchFailure['reason']): LaunchFailure {
  return reason === undefined ? { ok: false, message, exitCode } : { ok: false, message, exitCode, reason };
}

/** Docker's words and exit codes for a command that cannot be executed. */
export function spawnFailure(file: string, error: { code?: string; message: string }): { message: string; exitCode: number } {
  switch (error.code) {
    case 'ENOENT':
      return file.includes('/')
        ? { message: `exec: "${file}": stat ${file}: no such file or directory`, exitCode: 127 }
        : { message: `exec: "${file}": executable file not found in $PATH`, exitCode: 127 };
    case 'EACCES':
      return { message: `exec: "${file}": permission denied`, exitCode: 126 };
    default:
      return { message: `exec: "${file}": ${error.message}`, exitCode: 128 };
  }
}

/**
 * A runtime that sees only an exit code (bwrap and `docker run` report a death by signal n as
 * 128 + n) can still name the signal when it sent that signal itself.
 */
export function signalledBy(status: ExitStatus, sent: ReadonlySet<NodeJS.Signals>): ExitStatus {
  if (status.code === null || status.code <= 128) return status;
  for (const sig of sent) {
    if (status.code === signalExitCode(sig)) return { code: null, signal: sig };
  }
  return status;
}

export interface CommandOutcome {
  /** null when it could not start, or was killed. */
  code: number | null;
  /** stdout and stderr together, or why it could not start. */
  output: string;
}

/** Runs a short helper command (a probe, `docker stop`) to its end; never rejects. */
export function runCommand(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Not spawn's own `timeout`: its timer outlives a command that failed to start, and holds the process.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    const finish = (outcome: CommandOutcome): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => finish({ code: null, output: err.message }));
    child.once('close', (code) => finish({ code, output }));
  });
}
