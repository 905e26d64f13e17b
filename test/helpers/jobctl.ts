// Running jobctl in tests: `runJobctlHere` calls its `runCli` in this process (what each command prints
// and its exit code, for milliseconds of CPU); `runJobctl` starts the real `bin/jobctl.js` process, for
// what only a process shows (an environment of its own, stdin, its exit, output into a pipe, signals). A
// jobctl process costs ~0.7 s of CPU to start, and the CLI tests make a few hundred calls.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { runCli } from '../../src/cli/main';
import type { Output } from '../../src/cli/output';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const JOBCTL = path.join(ROOT, 'bin', 'jobctl.js');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Verbs that need a process of their own: they run a worker or a server, install the SDK's runtime,
 * change the process's environment (--codec-key-file) or run until a signal.
 */
const PROCESS_ONLY = /^(run|dev|worker|setup|codec-server)$|^--codec-key-file|^(-w|--watch|--watch-only)$/;

/**
 * jobctl's `runCli` in this process, with what it prints captured: the same program, verbs and output as
 * `bin/jobctl.js` (which is `runCli`, then draining stdout and exiting). It reads this process's
 * environment (see `setProcessEnv`).
 */
export async function runJobctlHere(args: string[], onStdout?: (all: string) => void): Promise<Ran> {
  const own = args.find((a) => PROCESS_ONLY.test(a));
  if (own !== undefined) throw new Error(`jobctl ${args.join(' ')}: "${own}" needs a process of its own (runJobctl)`);
  return runCliHere(args, onStdout);
}

/**
 * A command line that commander refuses before its verb runs (an option value it cannot take), in this
 * process even for the verbs that otherwise need one of their own (`worker`: ~1.2 CPU-s a process). Should
 * the verb run after all, it finds no server (TEMPORAL_ADDRESS 127.0.0.1:1) and fails the caller's checks.
 */
export async function runJobctlUsageError(args: string[]): Promise<Ran> {
  const restore = setProcessEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
  try {
    return await runCliHere(args);
  } finally {
    restore();
  }
}

async function runCliHere(args: string[], onStdout?: (all: string) => void): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const toStdout = (text: string) => {
    stdout += text;
    onStdout?.(stdout);
  };
  const out: Output = {
    tty: false,
    info: (m) => (stderr += `${m}\n`),
    error: (m) => (stderr += `${m}\n`),
    log: (t, raw) => toStdout(raw ? t : `${t}\n`),
  };
  // What commander prints into a pipe: no colour, 80 columns (its width when not on a terminal).
  const code = await runCli([process.execPath, JOBCTL, ...args], out, {
    writeOut: toStdout,
    writeErr: (t) => (stderr += t),
    getOutHelpWidth: () => 80,
    getErrHelpWidth: () => 80,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  return { code, stdout, stderr };
}

/** The real `bin/jobctl.js` process with this environment; `input` goes to its stdin. */
export function runJobctl(args: string[], env: NodeJS.ProcessEnv, input?: string | Buffer, onStdout?: (all: string) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JOBCTL, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // A pipe's chunks may split a multi-byte character: decoded as a stream, not chunk by chunk.
    const outText = new StringDecoder('utf8');
    const errText = new StringDecoder('utf8');
    child.stdout.on('data', (d: Buffer) => {
      stdout += outText.write(d);
      onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += errText.write(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout + outText.end(), stderr: stderr + errText.end() }));
    // jobctl may stop reading stdin (at a size limit) and exit: not an error of the test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Sets (or, for undefined, removes) variables of this process's environment; returns the undo. */
export function setProcessEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  const put = (k: string, v: string | undefined) => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  for (const [k, v] of Object.entries(vars)) put(k, v);
  return () => {
    for (const [k, v] of saved) put(k, v);
  };
}
