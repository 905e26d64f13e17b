// The messages between a worker and its pod launcher (./launcher-process.ts, ./launcher-main.ts), over
// Node's IPC channel (JSON). Each side checks what it receives: a malformed message is a bug on the
// other side, reported rather than acted upon. Hand-written checks rather than zod: the launcher is
// meant to start fast and stay small (zod alone adds ~0.2 s to its start on a loaded machine).

export type LauncherRequest =
  | {
      op: 'spawn';
      id: number;
      file: string;
      args: string[];
      cwd?: string;
      env: Record<string, string>;
      logFile: string;
      sandboxInit?: boolean;
      cgroupProcs?: string[];
    }
  /** SIGTERM to the group, SIGKILL after graceMs. */
  | { op: 'terminate'; id: number; graceMs: number }
  | { op: 'kill'; id: number };

export interface LogTailMessage {
  text: string;
  truncated: boolean;
}

export type LauncherEvent =
  | { ev: 'spawned'; id: number; pid: number }
  | { ev: 'spawnFailed'; id: number; code?: string; message: string; logFile?: string }
  /** The main process exited; the rest of the group is being killed. */
  | { ev: 'exited'; id: number }
  /** Nothing of the group remains and its output is in the log. */
  | { ev: 'done'; id: number; code: number | null; signal: NodeJS.Signals | null; logFile?: string; tail: LogTailMessage }
  | { ev: 'logError'; id: number; message: string };

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseRequest(raw: unknown): Parsed<LauncherRequest> {
  if (!isRecord(raw)) return bad('not an object');
  const { op, id } = raw;
  if (!isId(id)) return bad('id: not a positive integer');
  switch (op) {
    case 'spawn': {
      const { file, args, cwd, env, logFile, sandboxInit, cgroupProcs } = raw;
      if (typeof file !== 'string') return bad('file: not a string');
      if (!isStringArray(args)) return bad('args: not an array of strings');
      if (cwd !== undefined && typeof cwd !== 'string') return bad('cwd: not a string');
      if (!isStringRecord(env)) return bad('env: not a map of strings');
      if (typeof logFile !== 'string') return bad('logFile: not a string');
      if (sandboxInit !== undefined && typeof sandboxInit !== 'boolean') return bad('sandboxInit: not a boolean');
      if (cgroupProcs !== undefined && !isStringArray(cgroupProcs)) return bad('cgroupProcs: not an array of strings');
      return {
        ok: true,
        value: {
          op,
          id,
          file,
          args,
          env,
          logFile,
          ...(cwd !== undefined ? { cwd } : {}),
          ...(sandboxInit !== undefined ? { sandboxInit } : {}),
          ...(cgroupProcs !== undefined ? { cgroupProcs } : {}),
        },
      };
    }
    case 'terminate': {
      const { graceMs } = raw;
      if (typeof graceMs !== 'number' || !(graceMs >= 0)) return bad('graceMs: not a number >= 0');
      return { ok: true, value: { op, id, graceMs } };
    }
    case 'kill':
      return { ok: true, value: { op, id } };
    default:
      return bad(`op: unknown ${JSON.stringify(op)}`);
  }
}

export function parseEvent(raw: unknown): Parsed<LauncherEvent> {
  if (!isRecord(raw)) return bad('not an object');
  const { ev, id } = raw;
  if (!isId(id)) return bad('id: not a positive integer');
  switch (ev) {
    case 'spawned':
      if (!Number.isInteger(raw.pid)) return bad('pid: not an integer');
      return { ok: true, value: { ev, id, pid: raw.pid as number } };
    case 'spawnFailed': {
      const { code, message, logFile } = raw;
      if (typeof message !== 'string') return bad('message: not a string');
      if (code !== undefined && typeof code !== 'string') return bad('code: not a string');
      if (logFile !== undefined && typeof logFile !== 'string') return bad('logFile: not a string');
      return { ok: true, value: { ev, id, message, ...(code !== undefined ? { code } : {}), ...(logFile !== undefined ? { logFile } : {}) } };
    }
    case 'exited':
      return { ok: true, value: { ev, id } };
    case 'done': {
      const { code, signal, logFile, tail } = raw;
      if (code !== null && !Number.isInteger(code)) return bad('code: not an integer or null');
      if (signal !== null && !(typeof signal === 'string' && /^SIG[A-Z0-9]+$/.test(signal))) return bad('signal: not a signal name or null');
      if (logFile !== undefined && typeof logFile !== 'string') return bad('logFile: not a string');
      if (!isRecord(tail) || typeof tail.text !== 'string' || typeof tail.truncated !== 'boolean') return bad('tail: not a log tail');
      return {
        ok: true,
        value: {
          ev,
          id,
          code: code as number | null,
          signal: signal as NodeJS.Signals | null,
          tail: { text: tail.text, truncated: tail.truncated },
          ...(logFile !== undefined ? { logFile } : {}),
        },
      };
    }
    case 'logError':
      if (typeof raw.message !== 'string') return bad('message: not a string');
      return { ok: true, value: { ev, id, message: raw.message } };
    default:
      return bad(`ev: unknown ${JSON.stringify(ev)}`);
  }
}

function bad(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) > 0;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isRecord(v) && Object.values(v).every((s) => typeof s === 'string');
}
