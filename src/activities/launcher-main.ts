// The pod launcher process: forked once by a worker (./launcher-process.ts), it spawns the pods'
// process groups, writes their output to the log files and reports how they ended. It is small
// (no Temporal, no workflow bundle), so its forks stay cheap whatever the worker's heap.
//
// It dies with its worker: when the IPC channel closes (the worker exited, even by SIGKILL) or its
// parent changes, it SIGKILLs every process group it started and exits. bwrap's --die-with-parent
// then also ends every sandbox it started.
import { parseRequest, type LauncherEvent, type LauncherRequest } from './launcher-protocol';
import { DirectGroup, DirectLauncher } from './pod-launcher';

const PARENT_CHECK_MS = 1_000;

const launcher = new DirectLauncher();
const groups = new Map<number, DirectGroup>();
/** Requests for groups still being spawned, applied once they are. */
const early = new Map<number, LauncherRequest[]>();
const parent = process.ppid;

function send(event: LauncherEvent): void {
  if (!process.connected) return;
  try {
    // With a callback, a failed write (EPIPE: the worker is gone) is reported there, not thrown as an
    // 'error' event that would end this process before it kills the pods.
    process.send?.(event, undefined, {}, () => undefined);
  } catch {
    // The channel closed under us: 'disconnect' follows and ends everything.
  }
}

async function spawn(request: Extract<LauncherRequest, { op: 'spawn' }>): Promise<void> {
  const { id } = request;
  early.set(id, []);
  const result = await launcher.spawn(
    {
      file: request.file,
      args: request.args,
      cwd: request.cwd,
      env: request.env,
      logFile: request.logFile,
      sandboxInit: request.sandboxInit,
      ...(request.cgroupProcs !== undefined ? { cgroupProcs: request.cgroupProcs } : {}),
    },
    (message) => send({ ev: 'logError', id, message }),
  );
  const pending = early.get(id) ?? [];
  early.delete(id);
  if (!result.ok) {
    send({ ev: 'spawnFailed', id, message: result.error.message, ...(result.error.code !== undefined ? { code: result.error.code } : {}), ...(result.logFile !== undefined ? { logFile: result.logFile } : {}) });
    return;
  }
  // Only DirectLauncher's groups here, which also tell when their main process exits.
  const group = result.group as DirectGroup;
  groups.set(id, group);
  send({ ev: 'spawned', id, pid: group.pid });
  void group.mainExit.then(() => send({ ev: 'exited', id }));
  void group.done.then((exit) => {
    groups.delete(id);
    send({ ev: 'done', id, code: exit.code, signal: exit.signal, tail: exit.log.tail, ...(exit.log.file !== undefined ? { logFile: exit.log.file } : {}) });
  });
  for (const r of pending) control(r);
}

function control(request: LauncherRequest): void {
  if (request.op === 'spawn') return void spawn(request);
  const pending = early.get(request.id);
  if (pending) return void pending.push(request);
  const group = groups.get(request.id);
  if (!group) return;
  if (request.op === 'terminate') void group.terminate(request.graceMs);
  else group.kill();
}

let ending = false;
function end(): void {
  if (ending) return;
  ending = true;
  for (const group of groups.values()) group.kill();
  process.exit(0);
}

process.on('message', (raw: unknown) => {
  const parsed = parseRequest(raw);
  if (!parsed.ok) {
    console.error(`durable-jobs pod launcher: ignored a malformed request: ${parsed.message}`);
    return;
  }
  control(parsed.value);
});
process.on('disconnect', end);
// Whatever goes wrong in here, the pods must not outlive the launcher.
process.on('error', end);
process.on('uncaughtException', (err) => {
  console.error(`durable-jobs pod launcher: ${err.stack ?? String(err)}`);
  end();
});
// Someone means this launcher to go: its pods must not outlive it.
process.on('SIGTERM', end);
// The launcher runs in its own session, so a terminal's ^C reaches only the worker, which then gives
// each pod its grace period through here; these can still come from a `kill`, and change nothing.
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
// Belt and braces: a parent that went away without the channel closing (it cannot, but costs nothing).
setInterval(() => {
  if (process.ppid !== parent) end();
}, PARENT_CHECK_MS).unref();
if (!process.connected) end();
