// Containers of the process runtime in bubblewrap (bwrap) sandboxes: each container gets its own PID,
// mount, IPC and UTS namespaces, a read-only view of the host, and (./cgroup.ts) its own cgroup.
//
// Why: a process group is a promise that processes can break (setsid, double fork), and it does not
// die with its worker. A PID namespace ends all of its processes when its init ends, and
// --die-with-parent ends the init when the worker goes, even by SIGKILL. The mount namespace lets
// emptyDir volumes appear at their real mountPath, and keeps pods off the host's files and each other's.
//
// What a container sees (issue 15: pods must not read other pods' logs, nor change the host):
// - the host's file system read-only, with its own /dev (null, zero, random, tty, shm...), /proc and a
//   private, empty /tmp; writable are only its emptyDirs, /tmp, a workingDir the host lacks (made in the
//   sandbox), and the directories the worker's operator shares on purpose (`shared`);
// - not the worker's data dir (logs, volumes of every pod, the dev server's temporal.db): an empty tmpfs
//   covers it, and any other `hidden` path;
// - as root, Docker's default capabilities only (no CAP_SYS_ADMIN: it cannot unmount what covers the
//   data dir, nor remount the host writable), or the securityContext's runAsUser/runAsGroup;
// - the pod's hostname (`uname -n`, $HOSTNAME);
// - the host's network, unless the worker runs pods with network "none" (README, "Pod isolation").
//
// How a container runs:
//   env --ignore-signal=TERM bwrap <host view> --unshare-pid ... --info-fd 3 [--block-fd 4] --
//       [setpriv --reuid U --regid G --clear-groups --] env --default-signal=TERM -- <command> <args>...
// - bwrap leads the container's process group, so SIGTERM to the group reaches the container's
//   processes as before. bwrap itself must not die of it: its death kills the namespace at once
//   (--die-with-parent), which would skip the grace period. Hence the outer env makes bwrap ignore
//   SIGTERM, and the inner env gives the container back the default action.
// - The host's root is bound entry by entry onto bwrap's own tmpfs, so that a path the host lacks
//   (/cache) is made in that tmpfs, not on the host. A path the host lacks inside a host directory
//   (/etc/cache) is made the same way: that directory is "mirrored", its entries bound one by one onto
//   a directory of the sandbox's root. Nothing is ever created on the host outside the pod's volumes.
// - bwrap reports a death by signal n as exit code 128 + n; the signal is named only when we sent it,
//   and a SIGKILL by the OOM killer is told by the cgroup's oom_kill count.
// - --info-fd tells the pid of the namespace's init: once it is a zombie, nothing of the container
//   remains, even though the host's init may take seconds to reap it (or never, in a container).
//   The pod launcher reads it (./pod-launcher.ts); bwrap's parent, for --die-with-parent, is the
//   launcher, which dies with the worker (./launcher-main.ts).
// - With a cgroup (./cgroup.ts), the launcher writes that pid into the cgroup's cgroup.procs files,
//   then lets the init go on through --block-fd: bwrap's sandbox process waits there once its set-up
//   is done (its helper for mounts has exited), before it forks the command, so every process of the
//   container starts in the cgroup. bwrap's own outer process stays in the launcher's cgroup. One
//   gap: a launcher killed (SIGKILL, OOM) between a sandbox's start and its join closes fd 4, and
//   bwrap goes on at EOF; the worker then kills that pod's process group at once (./launcher-process.ts,
//   `lost`), so such a command runs for moments at most, in its sandbox but outside its cgroup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerLimits } from '../api/pod-resources';
import { createCgroup, type CgroupSupport, type ContainerCgroup } from './cgroup';
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

export interface SandboxTools {
  /** Absolute paths of the tools, so that the container's PATH cannot hide them. */
  bwrap: string;
  env: string;
  /** Switches to runAsUser/runAsGroup (util-linux). */
  setpriv?: string;
}

export type SandboxSupport = ({ ok: true } & SandboxTools) | { ok: false; reason: string };

/** What a worker's sandboxes share, whatever the pod. */
export interface SandboxSettings {
  /** Host paths no pod may see (the worker's data dir, its credentials): an empty tmpfs covers a directory, /dev/null a file. */
  hidden: readonly string[];
  /** Host directories every pod sees read-write at the same path: an operator's deliberate share. */
  shared: readonly string[];
  /** 'host' (the default): pods use the host's network; 'none': loopback only (--unshare-net). */
  network: PodNetwork;
  /** Where limits are enforced; `{ ok: false }` runs containers without them. */
  cgroups: CgroupSupport;
  /** pids.max of each container's cgroup. */
  pidsLimit?: number;
}

export type PodNetwork = 'host' | 'none';
export const POD_NETWORKS: readonly PodNetwork[] = ['host', 'none'];

/** What the sandbox of one container is given, from its pod. */
export interface ContainerIsolation {
  hostname: string;
  /** runAsUser / runAsGroup; honoured only when the worker is root and has setpriv. */
  user?: { uid: number; gid: number };
  limits: ContainerLimits;
}

const PROBE_TIMEOUT_MS = 10_000;
/** What execvp searches when PATH is unset (glibc's default). */
const DEFAULT_PATH = '/bin:/usr/bin';
/** Docker's default capabilities: what a root container keeps (moby oci/caps/defaults.go). */
const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];
/** Entries of the host's root that the sandbox replaces with its own. */
const OWN_ROOT_ENTRIES = new Set(['proc', 'dev', 'tmp']);

let support: Promise<SandboxSupport> | undefined;

/** Whether pods can run sandboxed on this host; probed once per process. */
export function sandboxSupport(): Promise<SandboxSupport> {
  support ??= probe();
  return support;
}

/** True when bwrap runs with the worker's root privileges (not in a user namespace): capabilities and users can be set. */
export function privileged(): boolean {
  return process.getuid?.() === 0;
}

/** One sentence for the worker's start: how pods are isolated here, and what is lost without bwrap. */
export async function describeIsolation(): Promise<string> {
  const s = await sandboxSupport();
  if (s.ok) {
    return (
      'durable-jobs: pods run in bubblewrap sandboxes (own PID, mount, IPC and UTS namespaces, the host read-only, ' +
      'the data dir hidden): every process of a pod ends with the pod and with this worker, and emptyDir volumes ' +
      'appear at their mountPath'
    );
  }
  return (
    `durable-jobs: pods run as plain process groups, because ${s.reason}. A process that leaves its group ` +
    '(setsid) can outlive its pod and this worker, pods see and may change this host\'s files, and ' +
    'containers with emptyDir volumeMounts cannot run (nothing can be mounted at their mountPath). ' +
    'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) to isolate pods.'
  );
}

/**
 * The worker's own Temporal credentials on this host, which a pod must not read (it could act on every
 * Job with them): the TLS client key and the client config profile (which may hold an API key), as
 * Temporal's envconfig finds them. An API key in the environment never reaches pods (./env.ts).
 */
export function workerCredentialFiles(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const files = [env.TEMPORAL_TLS_CLIENT_KEY_PATH, env.TEMPORAL_TLS_KEY, env.TEMPORAL_CONFIG_FILE];
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  files.push(path.join(configHome, 'temporalio', 'temporal.toml'));
  return [...new Set(files.filter((f): f is string => typeof f === 'string' && f !== '').map((f) => path.resolve(f)))];
}

/**
 * Where a path of the sandbox lives on the host, or 'sandbox' when only the sandbox has it (its root,
 * /tmp, a hidden dir). `writable`: the host directory is the pod's own (a volume, even one mounted
 * read-only, whose mount points and working dirs are made in it) or shared with it on purpose.
 */
type Location = { on: 'host'; hostPath: string; writable: boolean } | { on: 'sandbox' };

export interface SandboxPlan extends SandboxTools {
  /** Top-level entries of the host's root, as `listHostRoot` returns them. */
  root: HostRootEntry[];
  /** Host directories whose entries are bound one by one, so that paths can be made inside them in the sandbox. */
  mirrored?: ReadonlyMap<string, HostRootEntry[]>;
  /** Mount points to make in the sandbox only. */
  dirs?: readonly string[];
  /** A workingDir the host lacks: a writable tmpfs of the sandbox's own. */
  ownWorkingDir?: string;
  hidden?: readonly string[];
  /** Files no pod may read: /dev/null is bound over each. */
  hiddenFiles?: readonly string[];
  shared?: readonly string[];
  network?: PodNetwork;
  hostname?: string;
  /** Drop to Docker's default capabilities (bwrap runs as root). */
  dropCapabilities?: boolean;
  user?: { uid: number; gid: number };
  /** The sandbox waits on fd 4 (--block-fd) before it runs the command: its launcher joins it to the container's cgroup first. */
  waitForJoin?: boolean;
  mounts: Mount[];
  workingDir?: string;
  file: string;
  args: string[];
}

export interface HostRootEntry {
  name: string;
  /** The link's target, for a symlink such as /bin -> usr/bin. */
  symlink?: string;
  /** Permission bits of a directory, for its mirror. */
  mode?: number;
}

/**
 * The host's root as the last pod saw it, while `/` is unchanged and for at most ROOT_LISTING_MS:
 * listing it (a readdir, a stat or readlink per entry) was ~0.4 ms of the worker's CPU per pod. An
 * entry added, removed or renamed changes `/`'s mtime, so names and links are never stale; a top-level
 * directory's mode (used only when it is mirrored) may be, for at most that long.
 */
let rootListing: { at: number; mtimeNs: bigint; ino: bigint; entries: HostRootEntry[] } | undefined;
const ROOT_LISTING_MS = 1_000;

export function listHostRoot(): HostRootEntry[] {
  const now = Date.now();
  const st = fs.statSync('/', { bigint: true });
  const known = rootListing;
  if (known && now - known.at < ROOT_LISTING_MS && known.mtimeNs === st.mtimeNs && known.ino === st.ino) return known.entries;
  const entries = listDir('/');
  rootListing = { at: now, mtimeNs: st.mtimeNs, ino: st.ino, entries };
  return entries;
}

function listDir(dir: string): HostRootEntry[] {
  const entries: HostRootEntry[] = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.posix.join(dir, d.name);
    if (d.isSymbolicLink()) entries.push({ name: d.name, symlink: fs.readlinkSync(p) });
    else if (d.isDirectory()) entries.push({ name: d.name, mode: statMode(p) });
    else entries.push({ name: d.name });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The argv that runs the plan's command in a sandbox (see the top of this file). */
export function sandboxArgv(plan: SandboxPlan): { file: string; args: string[] } {
  const args = ['--ignore-signal=TERM', plan.bwrap];
  bindTree(args, '/', plan.root, plan.mirrored ?? new Map());
  args.push('--dev', '/dev', '--proc', '/proc', '--perms', '1777', '--tmpfs', '/tmp');
  for (const s of plan.shared ?? []) args.push('--bind', s, s);
  // After the shares: a share that holds the data dir must not show it.
  for (const h of plan.hidden ?? []) args.push('--tmpfs', h);
  for (const f of plan.hiddenFiles ?? []) args.push('--ro-bind', '/dev/null', f);
  args.push('--unshare-pid', '--unshare-ipc', '--die-with-parent');
  if (plan.hostname !== undefined) args.push('--unshare-uts', '--hostname', plan.hostname);
  if (plan.network === 'none') args.push('--unshare-net');
  if (plan.dropCapabilities) {
    args.push('--cap-drop', 'ALL');
    for (const cap of DEFAULT_CAPABILITIES) args.push('--cap-add', cap);
  }
  for (const d of plan.dirs ?? []) args.push('--dir', d);
  // Writable for the container's user, whoever that is, as a container runtime's fresh WORKDIR would be.
  if (plan.ownWorkingDir !== undefined) args.push(...(plan.user !== undefined ? ['--perms', '1777'] : []), '--tmpfs', plan.ownWorkingDir);
  for (const m of plan.mounts) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.mountPath);
  // What was made in the sandbox's root (mirrors, mount points) is read-only too, as the host is.
  args.push('--remount-ro', '/');
  if (plan.workingDir !== undefined) args.push('--chdir', plan.workingDir);
  args.push('--info-fd', '3', ...(plan.waitForJoin ? ['--block-fd', '4'] : []), '--');
  if (plan.user !== undefined && plan.setpriv !== undefined) {
    args.push(plan.setpriv, `--reuid=${plan.user.uid}`, `--regid=${plan.user.gid}`, '--clear-groups', '--');
  }
  args.push(plan.env, '--default-signal=TERM', '--', plan.file, ...plan.args);
  return { file: plan.env, args };
}

/** The host's tree, read-only: each entry bound, except mirrored directories, whose entries are bound in turn. */
function bindTree(args: string[], dir: string, entries: readonly HostRootEntry[], mirrored: ReadonlyMap<string, HostRootEntry[]>): void {
  for (const e of entries) {
    const p = path.posix.join(dir, e.name);
    if (dir === '/' && OWN_ROOT_ENTRIES.has(e.name)) continue;
    if (e.symlink !== undefined) {
      args.push('--symlink', e.symlink, p);
      continue;
    }
    const inner = mirrored.get(p);
    if (inner === undefined) {
      args.push('--ro-bind', p, p);
      continue;
    }
    args.push('--perms', (e.mode ?? 0o755).toString(8).padStart(4, '0'), '--dir', p);
    bindTree(args, p, inner, mirrored);
  }
}

/** The sandbox's view of paths, for the checks made before it starts. */
interface View {
  mounts: readonly Mount[];
  root: readonly HostRootEntry[];
  /** Host paths covered by an empty tmpfs. */
  hidden: readonly string[];
  shared: readonly string[];
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
  tools: SandboxTools,
  settings: SandboxSettings,
  isolation: ContainerIsolation,
  launcher: PodLauncher,
  log: Pick<LaunchRequest, 'logFile' | 'onLogError'>,
): Promise<LaunchResult> {
  const root = listHostRoot();
  const hiddenPaths = settings.hidden.map(realPath).filter((h): h is string => h !== undefined);
  const hidden = hiddenPaths.filter(isDirectory);
  const hiddenFiles = hiddenPaths.filter((h) => !hidden.includes(h));
  // A share that is gone would make bwrap fail; the pod runs without it.
  const shared = settings.shared.filter(isDirectory);
  const view: View = { mounts, root, hidden, shared };
  /** Paths to make in the sandbox only, with the host directories they need mirrored. */
  const toMake: string[] = [];
  let makeWorkingDir = false;

  if (workingDir !== undefined) {
    if (!path.posix.isAbsolute(workingDir)) return launchFailure(`workingDir "${workingDir}" must be an absolute path`);
    workingDir = path.posix.normalize(workingDir);
    const where = locate(workingDir, view);
    if (where.on === 'host' && where.writable) {
      // Inside a volume or a shared dir: made there, as container runtimes make a missing working directory.
      try {
        fs.mkdirSync(where.hostPath, { recursive: true });
      } catch (err) {
        return launchFailure(`workingDir "${workingDir}": ${errorMessage(err)}`);
      }
    } else if (where.on === 'sandbox' || !fs.existsSync(where.hostPath)) {
      toMake.push(workingDir);
      makeWorkingDir = true;
    } else if (!isDirectory(where.hostPath)) {
      return launchFailure(`workingDir "${workingDir}": not a directory`);
    }
  }
  for (const m of mounts) {
    // Where the mount point itself is: in an enclosing volume, on the host, or only in the sandbox.
    const where = locate(m.mountPath, { ...view, mounts: mounts.filter((o) => o !== m) });
    if (where.on === 'sandbox') continue;
    if (!fs.existsSync(where.hostPath)) {
      if (!where.writable) {
        toMake.push(m.mountPath);
        continue;
      }
      try {
        fs.mkdirSync(where.hostPath, { recursive: true });
      } catch (err) {
        return launchFailure(`cannot create the mount point "${m.mountPath}" of volume "${m.volume}": ${errorMessage(err)}`);
      }
    } else if (!isDirectory(where.hostPath)) {
      return launchFailure(`cannot mount volume "${m.volume}" at "${m.mountPath}": not a directory`);
    }
  }
  const { mirrored, dirs } = mirrorsFor(toMake, view);
  const ownWorkingDir = makeWorkingDir ? dirs.shift() : undefined;

  if (resolved.file.includes('=')) {
    // env(1) would take NAME=VALUE for a variable to set rather than the command to run.
    return launchFailure(`exec: "${resolved.file}": the sandbox cannot run a command whose name contains "="`);
  }
  const cwd = workingDir ?? process.cwd();
  const found = findExecutable(resolved.file, resolved.env.PATH, cwd, (p) => locate(p, view));
  if (found !== undefined) {
    const { message, exitCode } = spawnFailure(resolved.file, Object.assign(new Error(found), { code: found }));
    return launchFailure(message, exitCode);
  }

  let cgroup: ContainerCgroup | undefined;
  if (settings.cgroups.ok) {
    try {
      cgroup = createCgroup(settings.cgroups, { ...isolation.limits, ...(settings.pidsLimit !== undefined ? { pids: settings.pidsLimit } : {}) });
    } catch (err) {
      return launchFailure(`cannot create the container's cgroup for its limits: ${errorMessage(err)}`);
    }
  }
  const argv = sandboxArgv({
    ...tools,
    root,
    mirrored,
    dirs,
    ...(ownWorkingDir !== undefined ? { ownWorkingDir } : {}),
    hidden,
    hiddenFiles,
    shared,
    network: settings.network,
    hostname: isolation.hostname,
    dropCapabilities: privileged(),
    ...(isolation.user !== undefined && privileged() ? { user: isolation.user } : {}),
    ...(cgroup !== undefined ? { waitForJoin: true } : {}),
    mounts,
    workingDir,
    file: resolved.file,
    args: resolved.args,
  });
  const spawned = await launcher.spawn(
    {
      file: argv.file,
      args: argv.args,
      env: resolved.env,
      logFile: log.logFile,
      sandboxInit: true,
      ...(cgroup !== undefined ? { cgroupProcs: [...cgroup.procsFiles] } : {}),
    },
    log.onLogError,
  );
  if (!spawned.ok) {
    await cgroup?.release();
    const { message, exitCode } = spawnFailure(argv.file, spawned.error);
    return { ...launchFailure(message, exitCode), ...(spawned.logFile !== undefined ? { logFile: spawned.logFile } : {}) };
  }
  return { ok: true, handle: new SandboxedContainer(spawned.group, cgroup) };
}

class SandboxedContainer implements ContainerHandle {
  readonly done: Promise<ContainerExit>;
  private readonly sent = new Set<NodeJS.Signals>();

  constructor(
    private readonly group: LaunchedGroup,
    cgroup: ContainerCgroup | undefined,
  ) {
    this.done = group.done.then(async (exit) => {
      // Read before the cgroup is released: the kernel's count of OOM kills tells OOMKilled from another SIGKILL.
      // Only a container that failed: on cgroup v1 the killer may take a child the container survives
      // (v2 kills the whole container, memory.oom.group), and a container that exits 0 has succeeded.
      const failed = exit.code !== 0;
      const oomKilled = failed && (cgroup?.oomKilled() ?? false);
      await cgroup?.release();
      return { ...signalledBy(exit, this.sent), log: exit.log, ...(oomKilled ? { oomKilled } : {}) };
    });
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

/**
 * For paths to make in the sandbox only: the host directories to mirror (the deepest existing host
 * ancestor of each path and the ancestors of that, below the root) and the paths to make, through
 * the host's symlinks (/var/run/x is made as /run/x when /var/run links to /run).
 */
function mirrorsFor(paths: readonly string[], view: View): { mirrored: Map<string, HostRootEntry[]>; dirs: string[] } {
  const mirrored = new Map<string, HostRootEntry[]>();
  const dirs: string[] = [];
  for (const p of paths) {
    if (locate(p, view).on === 'sandbox') {
      dirs.push(p);
      continue;
    }
    let existing = p;
    while (existing !== '/' && !fs.existsSync(existing)) existing = path.posix.dirname(existing);
    const real = realPath(existing) ?? existing;
    const made = path.posix.join(real, path.posix.relative(existing, p));
    dirs.push(made);
    if (locate(real, view).on === 'sandbox') continue;
    for (let d = real; d !== '/'; d = path.posix.dirname(d)) {
      if (!mirrored.has(d)) mirrored.set(d, listDir(d));
    }
  }
  return { mirrored, dirs };
}

/** Where `p` (absolute, normalized) is for the sandbox: in a volume, on the host, or only in the sandbox. */
function locate(p: string, view: View): Location {
  let best: Mount | undefined;
  for (const m of view.mounts) {
    if (isUnder(p, m.mountPath) && (!best || m.mountPath.length > best.mountPath.length)) best = m;
  }
  if (best) return { on: 'host', hostPath: path.join(best.hostPath, p.slice(best.mountPath.length)), writable: true };
  if (view.hidden.some((h) => isUnder(p, h))) return { on: 'sandbox' };
  if (view.shared.some((s) => isUnder(p, s))) return { on: 'host', hostPath: p, writable: true };
  const top = p.split('/')[1] ?? '';
  if (OWN_ROOT_ENTRIES.has(top)) return { on: 'sandbox' };
  return view.root.some((e) => e.name === top) ? { on: 'host', hostPath: p, writable: false } : { on: 'sandbox' };
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
    let stat: fs.Stats | undefined;
    try {
      // Most PATH entries lack the file: no exception (an Error with its stack) for each of them.
      stat = fs.statSync(loc.hostPath, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (stat === undefined) continue;
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
  const setpriv = onPath('setpriv');
  const tools: SandboxTools = { bwrap, env, ...(setpriv !== undefined ? { setpriv } : {}) };
  const argv = sandboxArgv({ ...tools, root: listHostRoot(), mounts: [], hostname: 'probe', dropCapabilities: privileged(), file: 'true', args: [] });
  // The probe is the real thing, minus the info pipe nobody reads here.
  const args = argv.args.filter((a, i, all) => a !== '--info-fd' && all[i - 1] !== '--info-fd');
  const outcome = await runCommand(argv.file, args, { timeoutMs: PROBE_TIMEOUT_MS });
  if (outcome.code === 0) return { ok: true, ...tools };
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

function isUnder(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

function realPath(p: string): string | undefined {
  try {
    // Asked for each pod about paths that mostly do not exist (the credential files): existsSync throws
    // nothing for them, and the native realpath is one call where the JS one lstats every component.
    return fs.existsSync(p) ? fs.realpathSync.native(p) : undefined;
  } catch {
    return undefined;
  }
}

function statMode(p: string): number | undefined {
  try {
    return fs.statSync(p).mode & 0o7777;
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
