// Containers of the process runtime in their own mount and PID namespaces, with bubblewrap (bwrap).
//
// Why: a process group is a promise that processes can break (setsid, double fork), and it does not
// die with its worker. A PID namespace ends all of its processes when its init ends, and
// --die-with-parent ends the init when the worker goes, even by SIGKILL. The mount namespace lets
// emptyDir volumes appear at their real mountPath.
//
// How a container runs:
//   env --ignore-signal=TERM bwrap <host root> --unshare-pid --die-with-parent --proc /proc
//       [--bind|--ro-bind <volume dir> <mountPath>]... [--dir <workingDir>] [--chdir <workingDir>]
//       --info-fd 3 -- env --default-signal=TERM -- <command> <args>...
// - bwrap leads the container's process group, so SIGTERM to the group reaches the container's
//   processes as before. bwrap itself must not die of it: its death kills the namespace at once
//   (--die-with-parent), which would skip the grace period. Hence the outer env makes bwrap ignore
//   SIGTERM, and the inner env gives the container back the default action.
// - The host's root is bound entry by entry (not `/` as a whole) onto bwrap's own tmpfs, so that a
//   mountPath whose first component is missing on the host (/cache) is created in that tmpfs, not
//   on the host. A missing mountPath inside an existing host directory (/tmp/cache) is created on
//   the host as an empty directory and left there, as `docker run -v` does with a missing path.
// - bwrap reports a death by signal n as exit code 128 + n; the signal is named only when we sent it.
// - --info-fd tells the pid of the namespace's init: once it is a zombie, nothing of the container
//   remains, even though the host's init may take seconds to reap it (or never, in a container).
//   The pod launcher reads it (./pod-launcher.ts); bwrap's parent, for --die-with-parent, is the
//   launcher, which dies with the worker (./launcher-main.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedContainer } from './env';
import type { LaunchedGroup, PodLauncher } from './pod-launcher';
import {
  launchFailure,
  runCommand,
  signalledBy,
  spawnFailure,
  type ContainerExit,
  type ContainerHandle,
  type LaunchRequest,
  type LaunchResult,
} from './runtime';
import type { Mount } from './volumes';

export type SandboxSupport = { ok: true; bwrap: string; env: string } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 10_000;
/** What execvp searches when PATH is unset (glibc's default). */
const DEFAULT_PATH = '/bin:/usr/bin';

let support: Promise<SandboxSupport> | undefined;

/** Whether pods can run sandboxed on this host; probed once per process. */
export function sandboxSupport(): Promise<SandboxSupport> {
  support ??= probe();
  return support;
}

/** One sentence for the worker's start: how pods are isolated here, and what is lost without bwrap. */
export async function describeIsolation(): Promise<string> {
  const s = await sandboxSupport();
  if (s.ok) {
    return (
      'durable-jobs: pods run in bubblewrap sandboxes (own PID and mount namespaces): every process of a pod ' +
      'ends with the pod and with this worker, and emptyDir volumes appear at their mountPath'
    );
  }
  return (
    `durable-jobs: pods run as plain process groups, because ${s.reason}. A process that leaves its group ` +
    '(setsid) can outlive its pod and this worker, and ' +
    'containers with emptyDir volumeMounts cannot run (nothing can be mounted at their mountPath). ' +
    'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) to isolate pods.'
  );
}

/** Where a path of the sandbox lives on the host, or 'sandbox' when only the sandbox's own root has it. */
type Location = { on: 'host'; hostPath: string } | { on: 'sandbox' };

export interface SandboxPlan {
  /** Absolute paths of the tools, so that the container's PATH cannot hide them. */
  bwrap: string;
  env: string;
  /** Top-level entries of the host's root, as `listHostRoot` returns them. */
  root: HostRootEntry[];
  mounts: Mount[];
  workingDir?: string;
  file: string;
  args: string[];
}

export interface HostRootEntry {
  name: string;
  /** The link's target, for a symlink such as /bin -> usr/bin. */
  symlink?: string;
}

export function listHostRoot(): HostRootEntry[] {
  const entries: HostRootEntry[] = [];
  for (const d of fs.readdirSync('/', { withFileTypes: true })) {
    // The sandbox gets a /proc of its own PID namespace instead.
    if (d.name === 'proc') continue;
    entries.push(d.isSymbolicLink() ? { name: d.name, symlink: fs.readlinkSync(`/${d.name}`) } : { name: d.name });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The argv that runs the plan's command in a sandbox (see the top of this file). */
export function sandboxArgv(plan: SandboxPlan): { file: string; args: string[] } {
  const args = ['--ignore-signal=TERM', plan.bwrap];
  for (const e of plan.root) {
    if (e.symlink !== undefined) args.push('--symlink', e.symlink, `/${e.name}`);
    else args.push('--dev-bind', `/${e.name}`, `/${e.name}`);
  }
  args.push('--unshare-pid', '--die-with-parent', '--proc', '/proc');
  for (const m of plan.mounts) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.mountPath);
  if (plan.workingDir !== undefined) {
    if (locate(plan.workingDir, plan.mounts, plan.root).on === 'sandbox') args.push('--dir', plan.workingDir);
    args.push('--chdir', plan.workingDir);
  }
  args.push('--info-fd', '3', '--', plan.env, '--default-signal=TERM', '--', plan.file, ...plan.args);
  return { file: plan.env, args };
}

/**
 * Starts a resolved container in a sandbox. What the process runtime would learn from a failed exec
 * (a missing or non-executable command, a bad workingDir) is checked first, through the sandbox's
 * view of the file system, so that it is reported the same way.
 */
export async function launchSandboxed(
  resolved: ResolvedContainer,
  mounts: Mount[],
  workingDir: string | undefined,
  tools: { bwrap: string; env: string },
  launcher: PodLauncher,
  log: Pick<LaunchRequest, 'logFile' | 'onLogError'>,
): Promise<LaunchResult> {
  const root = listHostRoot();
  if (workingDir !== undefined) {
    if (!path.posix.isAbsolute(workingDir)) return launchFailure(`workingDir "${workingDir}" must be an absolute path`);
    workingDir = path.posix.normalize(workingDir);
    const where = locate(workingDir, mounts, root);
    // Container runtimes create a missing working directory. One only the sandbox has is made by bwrap.
    if (where.on === 'host') {
      try {
        fs.mkdirSync(where.hostPath, { recursive: true });
      } catch (err) {
        return launchFailure(`workingDir "${workingDir}": ${errorMessage(err)}`);
      }
    }
  }
  for (const m of mounts) {
    // Where the mount point itself is: on the host, in an enclosing volume, or only in the sandbox's root.
    const where = locate(m.mountPath, mounts.filter((o) => o !== m), root);
    if (where.on === 'sandbox') continue;
    // bwrap would create a missing mount point itself, but this way a failure reads well.
    if (!fs.existsSync(where.hostPath)) {
      try {
        fs.mkdirSync(where.hostPath, { recursive: true });
      } catch (err) {
        return launchFailure(`cannot create the mount point "${m.mountPath}" of volume "${m.volume}": ${errorMessage(err)}`);
      }
    } else if (!isDirectory(where.hostPath)) {
      return launchFailure(`cannot mount volume "${m.volume}" at "${m.mountPath}": not a directory`);
    }
  }
  if (resolved.file.includes('=')) {
    // env(1) would take NAME=VALUE for a variable to set rather than the command to run.
    return launchFailure(`exec: "${resolved.file}": the sandbox cannot run a command whose name contains "="`);
  }
  const cwd = workingDir ?? process.cwd();
  const found = findExecutable(resolved.file, resolved.env.PATH, cwd, (p) => locate(p, mounts, root));
  if (found !== undefined) {
    const { message, exitCode } = spawnFailure(resolved.file, Object.assign(new Error(found), { code: found }));
    return launchFailure(message, exitCode);
  }

  const argv = sandboxArgv({ ...tools, root, mounts, workingDir, file: resolved.file, args: resolved.args });
  const spawned = await launcher.spawn(
    { file: argv.file, args: argv.args, env: resolved.env, logFile: log.logFile, sandboxInit: true },
    log.onLogError,
  );
  if (!spawned.ok) {
    const { message, exitCode } = spawnFailure(argv.file, spawned.error);
    return { ...launchFailure(message, exitCode), ...(spawned.logFile !== undefined ? { logFile: spawned.logFile } : {}) };
  }
  return { ok: true, handle: new SandboxedContainer(spawned.group) };
}

class SandboxedContainer implements ContainerHandle {
  readonly done: Promise<ContainerExit>;
  private readonly sent = new Set<NodeJS.Signals>();

  constructor(private readonly group: LaunchedGroup) {
    this.done = group.done.then((exit) => ({ ...signalledBy(exit, this.sent), log: exit.log }));
  }

  get exited(): boolean {
    return this.group.exited;
  }

  async terminate(graceMs: number): Promise<void> {
    if (!this.group.exited) this.sent.add('SIGTERM');
    await this.group.terminate(graceMs);
  }

  kill(): void {
    this.group.kill();
  }
}

/** Where `p` (absolute, normalized) is for the sandbox: in a volume, on the host, or only in the sandbox's root. */
function locate(p: string, mounts: readonly Mount[], root: readonly HostRootEntry[]): Location {
  let best: Mount | undefined;
  for (const m of mounts) {
    if ((p === m.mountPath || p.startsWith(`${m.mountPath}/`)) && (!best || m.mountPath.length > best.mountPath.length)) best = m;
  }
  if (best) return { on: 'host', hostPath: path.join(best.hostPath, p.slice(best.mountPath.length)) };
  const top = p.split('/')[1] ?? '';
  return root.some((e) => e.name === top) ? { on: 'host', hostPath: p } : { on: 'sandbox' };
}

/**
 * execvp's search, seen through the sandbox: undefined when `file` would run, else the errno the
 * exec would fail with. A directory or a file without the execute bit is EACCES, and the search goes
 * on past it, reporting EACCES only when nothing better turns up.
 */
export function findExecutable(
  file: string,
  pathVar: string | undefined,
  cwd: string,
  where: (p: string) => Location,
): 'ENOENT' | 'EACCES' | undefined {
  const candidates = file.includes('/')
    ? [path.posix.resolve(cwd, file)]
    : (pathVar ?? DEFAULT_PATH).split(':').map((dir) => path.posix.resolve(cwd, dir || '.', file));
  let denied = false;
  for (const candidate of candidates) {
    const loc = where(candidate);
    if (loc.on === 'sandbox') continue;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(loc.hostPath);
    } catch {
      continue;
    }
    try {
      if (stat.isDirectory()) throw new Error('a directory');
      fs.accessSync(loc.hostPath, fs.constants.X_OK);
      return undefined;
    } catch {
      denied = true;
    }
  }
  return denied ? 'EACCES' : 'ENOENT';
}

async function probe(): Promise<SandboxSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: `bubblewrap needs Linux (this is ${process.platform})` };
  const bwrap = onPath('bwrap');
  if (bwrap === undefined) return { ok: false, reason: 'bwrap is not installed (Debian package bubblewrap)' };
  const env = onPath('env');
  if (env === undefined) return { ok: false, reason: 'env(1) is not on PATH' };
  const argv = sandboxArgv({ bwrap, env, root: listHostRoot(), mounts: [], file: 'true', args: [] });
  // The probe is the real thing, minus the info pipe nobody reads here.
  const args = argv.args.filter((a, i, all) => a !== '--info-fd' && all[i - 1] !== '--info-fd');
  const outcome = await runCommand(argv.file, args, { timeoutMs: PROBE_TIMEOUT_MS });
  if (outcome.code === 0) return { ok: true, bwrap, env };
  const said = outcome.output.trim().split('\n').pop() ?? '';
  if (/unrecognized option|invalid option/.test(said) && said.startsWith('env')) {
    return { ok: false, reason: `${env} lacks --ignore-signal/--default-signal (GNU coreutils 8.31 or later has them): ${said}` };
  }
  return { ok: false, reason: `bwrap does not work here (${said || `exit code ${outcome.code ?? 'none: killed'}`})` };
}

function onPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (!fs.statSync(candidate).isDirectory()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
