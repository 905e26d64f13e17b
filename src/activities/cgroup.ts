// Resource limits of sandboxed containers through control groups: `resources.limits.memory` and `.cpu`
// and a process-count limit, one cgroup per container, as the kubelet gives each container its own.
//
// Where: cgroup v2 where its memory and pids controllers can be delegated to a child of this process's
// cgroup or of an ancestor (as root: the host's root cgroup, a systemd slice); else cgroup v1's memory,
// pids and cpu hierarchies (hybrid hosts, older kernels). Elsewhere (not root, a container without a
// writable cgroup fs) limits cannot be enforced, and `cgroupSupport` says why, for the worker to say once.
//
// Layout: `<parent>/durable-jobs/<worker pid>-<n>` in each hierarchy. The container's first process
// joins before the command runs (./sandbox.ts, --block-fd), so every process of the container is
// counted. Once its container is gone a cgroup is kept for a later container of this process (see
// `release`) or removed; the kept ones are removed when the worker stops or the process exits, and
// those of a worker that was killed are swept by the next one (`sweepCgroups`): rmdir only ever
// removes an empty cgroup, so a sweep cannot touch a running pod.
import fs from 'node:fs';
import path from 'node:path';

export interface CgroupLimits {
  memoryBytes?: number;
  milliCpu?: number;
  pids?: number;
}

export type CgroupSupport =
  | { ok: true; version: 1 | 2; bases: CgroupBase[] }
  | { ok: false; reason: string };

/** Where this worker makes cgroups, per hierarchy (one for v2, one per controller for v1). */
export interface CgroupBase {
  dir: string;
  controllers: readonly string[];
}

export interface ContainerCgroup {
  /** The `cgroup.procs` files the container's first process is joined through (its pid written to each). */
  readonly procsFiles: readonly string[];
  /** True when the kernel's OOM killer killed a process of the container (memory limit reached). */
  oomKilled(): boolean;
  /**
   * Once the container is gone: keeps the cgroup for a later container of this process, or removes it
   * once nothing runs in it; never throws (a leftover is swept later).
   */
  release(): Promise<void>;
}

const BASE_NAME = 'durable-jobs';
const CPU_PERIOD_US = 100_000;
/** The kernel refuses a CFS quota under 1 ms. */
const MIN_CPU_QUOTA_US = 1_000;
const REMOVE_TIMEOUT_MS = 5_000;
const REMOVE_POLL_MS = 20;
const REQUIRED = ['memory', 'pids'] as const;
/**
 * The most emptied cgroup directories kept for reuse in each hierarchy. Beyond it they are removed:
 * a burst of pods ending at once (parallelism 1,000) does not leave that many idle memory cgroups in
 * the kernel. Per hierarchy, so that pids cgroups waiting for their zombies to be reaped do not crowd
 * out the memory cgroups, which can be handed on at once.
 */
const POOL_MAX = 128;
/** How long a kept cgroup may wait for its last processes to be reaped before it is removed instead. */
const STALE_MS = 30_000;

let support: CgroupSupport | undefined;
let counter = 0;

interface Dir {
  dir: string;
  controllers: readonly string[];
}

/** An emptied cgroup directory of one hierarchy, kept for the next container. */
interface Kept extends Dir {
  /** pids.max and the CPU quota it holds; never a memory limit (see `release`). */
  limits: CgroupLimits;
  /** The OOM-kill count when it was emptied: the next container's OOM kills are those past it. */
  oomKills: number;
  /** When it was kept (Date.now()). */
  since: number;
}

/**
 * Reuse: a mkdir and an rmdir of a memory cgroup per container were ~10% of a worker's main thread
 * for short pods (~0.4 ms; a pids or cpu cgroup costs a fifth of that), and the kernel's set-up and
 * deferred teardown of a memcg come on top. Per hierarchy (the base's dir), first in, first out: the
 * longest kept goes first, its previous container's last zombie (the sandbox's init, which the host's
 * init reaps when it gets to it) having had the most time to be reaped.
 */
const kept = new Map<string, Kept[]>();
let exitHook = false;

/** Whether this process may give containers cgroups with limits; probed once per process. */
export function cgroupSupport(): CgroupSupport {
  support ??= probe();
  return support;
}

/** One line for a worker's start: whether pods' limits are enforced here, and how. */
export function describeLimits(): string {
  const s = cgroupSupport();
  if (!s.ok) return `not enforced (${s.reason})`;
  return `enforced through cgroup v${s.version} (${s.bases.map((b) => `${b.dir}: ${b.controllers.join(',')}`).join('; ')})`;
}

/**
 * A cgroup for one container, with its limits written: in each hierarchy, a directory a previous
 * container of this process left (`release`) when the container has no memory limit, else a fresh
 * one. Throws with the file and errno when it cannot make one.
 */
export function createCgroup(s: Extract<CgroupSupport, { ok: true }>, limits: CgroupLimits): ContainerCgroup {
  const dirs: Dir[] = [];
  let oomBase = 0;
  let name: string | undefined;
  try {
    for (const base of basesFor(s, limits)) {
      const old = limits.memoryBytes === undefined ? take(s.version, base.dir, limits) : undefined;
      if (old) {
        dirs.push(old);
        if (old.controllers.includes('memory')) oomBase = old.oomKills;
        continue;
      }
      name ??= `${process.pid}-${++counter}`;
      const dir = path.join(base.dir, name);
      fs.mkdirSync(dir);
      dirs.push({ dir, controllers: base.controllers });
      writeLimits(s.version, dir, base.controllers, limits);
    }
  } catch (err) {
    for (const { dir } of dirs) rmdirQuietly(dir);
    throw err;
  }
  return handle(s.version, dirs, limits, oomBase);
}

function handle(version: 1 | 2, dirs: Dir[], limits: CgroupLimits, oomBase: number): ContainerCgroup {
  const memoryDir = dirs.find((d) => d.controllers.includes('memory'))?.dir;
  let released = false;
  return {
    procsFiles: dirs.map((d) => path.join(d.dir, 'cgroup.procs')),
    oomKilled: () => memoryDir !== undefined && oomKills(version, memoryDir) > oomBase,
    release: () => {
      if (released) return Promise.resolve();
      released = true;
      // A memory limit is never handed on: the pages a container wrote or first read stay charged to
      // its memory cgroup after it ends, and the next container would start with part of its limit used
      // (reclaimed or OOM-killed earlier than in a cluster, where each container gets a fresh one).
      if (limits.memoryBytes !== undefined) return removeDirs(dirs.map((d) => d.dir));
      const since = Date.now();
      const surplus: string[] = [];
      for (const d of dirs) {
        const base = path.dirname(d.dir);
        const list = kept.get(base) ?? [];
        if (list.length >= POOL_MAX) {
          surplus.push(d.dir);
          continue;
        }
        list.push({ ...d, limits, oomKills: d.dir === memoryDir ? oomKills(version, d.dir) : 0, since });
        kept.set(base, list);
      }
      if (!exitHook) {
        exitHook = true;
        // Scripts and tests that run pods without a JobWorker: nothing is left behind at a normal exit.
        process.once('exit', drainCgroupPool);
      }
      return surplus.length > 0 ? removeDirs(surplus) : Promise.resolve();
    },
  };
}

/**
 * The longest-kept directory of this hierarchy, with the container's limits written, once it can be
 * handed on. A pids cgroup counts the previous container's processes until they are reaped, the
 * sandbox's init included (seconds on some hosts): a container must start with nothing counted, so
 * such a directory stays kept until then (a fresh one is made meanwhile), and is removed if it is
 * still not empty after STALE_MS (a host whose init never reaps). Other controllers' do not count a
 * zombie against anything: theirs are handed on once no process is in them (cgroup.procs lists no
 * zombie). One whose limits cannot be written is removed.
 */
function take(version: 1 | 2, base: string, limits: CgroupLimits): Kept | undefined {
  const list = kept.get(base);
  for (;;) {
    const k = list?.[0];
    if (list === undefined || k === undefined) return undefined;
    let ready = false;
    try {
      const empty = k.controllers.includes('pids')
        ? fs.readFileSync(path.join(k.dir, 'pids.current'), 'utf8').trim() === '0'
        : fs.readFileSync(path.join(k.dir, 'cgroup.procs'), 'utf8') === '';
      if (!empty && Date.now() - k.since <= STALE_MS) return undefined;
      list.shift();
      if (empty) {
        rewriteLimits(version, k.dir, k.controllers, k.limits, limits);
        ready = true;
      }
    } catch {
      // Gone, or a limit the kernel refused: not handed on.
      if (list[0] === k) list.shift();
    }
    if (ready) return k;
    void removeDirs([k.dir]);
  }
}

/** Removes the kept cgroups (a worker's stop, the process's exit): nothing of this process's is left behind. */
export function drainCgroupPool(): void {
  for (const list of kept.values()) for (const k of list.splice(0)) rmdirQuietly(k.dir);
}

/**
 * The hierarchies a container's cgroup is made in. cgroup v2 has one. On v1 the cpu hierarchy only
 * matters with a cpu limit: a cgroup without a quota changes nothing for the container, and its
 * mkdir, rmdir and the join's extra write cost the worker and the kernel for every pod. The memory
 * hierarchy is kept without a limit: its OOM-kill count is how a pod that the host's OOM killer took
 * is told from another SIGKILL.
 */
function basesFor(s: Extract<CgroupSupport, { ok: true }>, limits: CgroupLimits): CgroupBase[] {
  if (s.version === 2 || limits.milliCpu !== undefined) return s.bases;
  return s.bases.filter((b) => !(b.controllers.length === 1 && b.controllers[0] === 'cpu'));
}

/** Removes the empty cgroups that workers no longer running left behind (killed mid-pod). */
export function sweepCgroups(s: CgroupSupport): number {
  if (!s.ok) return 0;
  let removed = 0;
  for (const base of s.bases) {
    let names: string[];
    try {
      names = fs.readdirSync(base.dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^(\d+)-\d+$/.exec(name);
      if (!m || pidAlive(Number(m[1]))) continue;
      if (rmdirQuietly(path.join(base.dir, name))) removed++;
    }
  }
  return removed;
}

function writeLimits(version: 1 | 2, dir: string, controllers: readonly string[], limits: CgroupLimits): void {
  const has = (c: string): boolean => controllers.includes(c);
  const quota = cpuQuota(limits);
  if (version === 2) {
    if (limits.memoryBytes !== undefined) {
      write(dir, 'memory.max', String(limits.memoryBytes));
      // The kubelet runs containers without swap, and kills the whole container on OOM (cgroup v2).
      writeIfPresent(dir, 'memory.swap.max', '0');
      writeIfPresent(dir, 'memory.oom.group', '1');
    }
    if (limits.pids !== undefined) write(dir, 'pids.max', String(limits.pids));
    if (quota !== undefined && has('cpu')) write(dir, 'cpu.max', `${quota} ${CPU_PERIOD_US}`);
    return;
  }
  if (limits.memoryBytes !== undefined && has('memory')) {
    write(dir, 'memory.limit_in_bytes', String(limits.memoryBytes));
    // Memory plus swap no larger than memory: no swap, as above. Absent when swap accounting is off.
    writeIfPresent(dir, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes));
  }
  if (limits.pids !== undefined && has('pids')) write(dir, 'pids.max', String(limits.pids));
  if (quota !== undefined && has('cpu')) {
    write(dir, 'cpu.cfs_period_us', String(CPU_PERIOD_US));
    write(dir, 'cpu.cfs_quota_us', String(quota));
  }
}

/** Writes what differs between a kept cgroup's limits and the next container's (pids, CPU; never memory). */
function rewriteLimits(version: 1 | 2, dir: string, controllers: readonly string[], from: CgroupLimits, to: CgroupLimits): void {
  const has = (c: string): boolean => controllers.includes(c);
  if (from.pids !== to.pids && has('pids')) write(dir, 'pids.max', to.pids !== undefined ? String(to.pids) : 'max');
  const quota = cpuQuota(to);
  if (quota === cpuQuota(from) || !has('cpu')) return;
  if (version === 2) write(dir, 'cpu.max', `${quota !== undefined ? String(quota) : 'max'} ${CPU_PERIOD_US}`);
  else write(dir, 'cpu.cfs_quota_us', quota !== undefined ? String(quota) : '-1');
}

function cpuQuota(limits: CgroupLimits): number | undefined {
  return limits.milliCpu !== undefined ? Math.max(MIN_CPU_QUOTA_US, Math.ceil((limits.milliCpu * CPU_PERIOD_US) / 1000)) : undefined;
}

function oomKills(version: 1 | 2, dir: string): number {
  try {
    const text = fs.readFileSync(path.join(dir, version === 2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
    const m = /^oom_kill (\d+)$/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function removeDirs(dirs: readonly string[]): Promise<void> {
  // The container's last processes may still be leaving the cgroup (EBUSY) for a moment.
  const deadline = Date.now() + REMOVE_TIMEOUT_MS;
  let left = dirs.filter((d) => !rmdirQuietly(d));
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, REMOVE_POLL_MS));
    left = left.filter((d) => !rmdirQuietly(d));
  }
}

/** True when the cgroup is gone (removed now or before). */
function rmdirQuietly(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function write(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value);
}

function writeIfPresent(dir: string, file: string, value: string): void {
  if (fs.existsSync(path.join(dir, file))) write(dir, file, value);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface CgroupMount {
  fstype: 'cgroup' | 'cgroup2';
  mountPoint: string;
  /** The cgroup path of the mount's root (not "/" inside a container that sees part of the tree). */
  root: string;
  controllers: string[];
}

function probe(): CgroupSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `cgroups need Linux (this is ${process.platform})` };
  let mounts: CgroupMount[];
  let membership: Map<string, string>;
  try {
    mounts = cgroupMounts(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    membership = ownCgroups(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  } catch (err) {
    return { ok: false, reason: `cannot read this process's cgroups: ${errorMessage(err)}` };
  }
  const reasons: string[] = [];
  const v2 = probeV2(mounts, membership, reasons);
  if (v2) return v2;
  const v1 = probeV1(mounts, membership, reasons);
  if (v1) return v1;
  return { ok: false, reason: reasons.join('; ') || 'no cgroup file system is mounted' };
}

function probeV2(mounts: CgroupMount[], membership: Map<string, string>, reasons: string[]): CgroupSupport | undefined {
  const mount = mounts.find((m) => m.fstype === 'cgroup2');
  const own = membership.get('');
  if (!mount || own === undefined) return undefined;
  const relative = path.posix.relative(mount.root, own);
  if (relative.startsWith('..')) return undefined;
  // From this process's own cgroup up to the mount's root: the first where the controllers can be
  // enabled for children (a cgroup with processes of its own cannot, unless it is the root).
  let dir = path.join(mount.mountPoint, relative);
  for (;;) {
    const available = readWords(path.join(dir, 'cgroup.controllers'));
    const wanted = [...REQUIRED, 'cpu'].filter((c) => available.includes(c));
    if (REQUIRED.every((c) => wanted.includes(c)) && enable(dir, wanted)) {
      const base = path.join(dir, BASE_NAME);
      try {
        fs.mkdirSync(base, { recursive: true });
        if (enable(base, wanted)) return { ok: true, version: 2, bases: [{ dir: base, controllers: wanted }] };
      } catch (err) {
        reasons.push(`cgroup v2: cannot create ${base}: ${errorMessage(err)}`);
        return undefined;
      }
    }
    if (dir === mount.mountPoint) break;
    dir = path.dirname(dir);
  }
  reasons.push(`cgroup v2 (${mount.mountPoint}): the memory and pids controllers cannot be delegated to a cgroup of this worker`);
  return undefined;
}

function probeV1(mounts: CgroupMount[], membership: Map<string, string>, reasons: string[]): CgroupSupport | undefined {
  const bases: CgroupBase[] = [];
  for (const controller of [...REQUIRED, 'cpu']) {
    const mount = mounts.find((m) => m.fstype === 'cgroup' && m.controllers.includes(controller));
    const own = [...membership].find(([list]) => list.split(',').includes(controller))?.[1];
    if (!mount || own === undefined) {
      if (controller === 'cpu') continue;
      reasons.push(`cgroup v1: no ${controller} hierarchy`);
      return undefined;
    }
    const relative = path.posix.relative(mount.root, own);
    const base = path.join(mount.mountPoint, relative.startsWith('..') ? '' : relative, BASE_NAME);
    // One hierarchy may carry several controllers (cpu,cpuacct): one base for it.
    const same = bases.find((b) => b.dir === base);
    if (same) {
      (same.controllers as string[]).push(controller);
      continue;
    }
    try {
      fs.mkdirSync(base, { recursive: true });
      fs.accessSync(base, fs.constants.W_OK);
    } catch (err) {
      if (controller === 'cpu') continue;
      reasons.push(`cgroup v1: cannot create ${base}: ${errorMessage(err)}`);
      return undefined;
    }
    bases.push({ dir: base, controllers: [controller] });
  }
  return { ok: true, version: 1, bases };
}

/** cgroup mounts from /proc/self/mountinfo. */
export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , superOptions] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeMount(fields[3] ?? '/');
    const mountPoint = unescapeMount(fields[4] ?? '');
    const controllers = fstype === 'cgroup' ? (superOptions ?? '').split(',') : [];
    out.push({ fstype, mountPoint, root, controllers });
  }
  return out;
}

/** /proc/self/cgroup: controller list ('' for v2) to cgroup path. */
export function ownCgroups(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function enable(dir: string, controllers: readonly string[]): boolean {
  const enabled = readWords(path.join(dir, 'cgroup.subtree_control'));
  const missing = controllers.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return true;
  try {
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
    return true;
  } catch {
    return false;
  }
}

function readWords(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
