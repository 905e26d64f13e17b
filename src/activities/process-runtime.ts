// The `process` runtime: a container's command runs on this host, in a bubblewrap sandbox where one
// works (see ./sandbox.ts), else as a bare process group (see ./process-group.ts).
import fs from 'node:fs';
import { containerLimits, runAsIdentity } from '../api/pod-resources';
import { resolveContainer } from './env';
import type { PodLauncher } from './pod-launcher';
import { launchFailure, spawnFailure, type ContainerRuntime, type LaunchRequest, type LaunchResult } from './runtime';
import { launchSandboxed, privileged, type ContainerIsolation, type SandboxSettings, type SandboxSupport } from './sandbox';
import { containerMounts, type Mount } from './volumes';

/** Pods' isolation on a host without cgroups or bwrap, when none was asked for. */
const NO_SETTINGS: SandboxSettings = { hidden: [], shared: [], network: 'host', cgroups: { ok: false, reason: 'not configured' } };

/**
 * `launcher` starts the processes (./launcher-process.ts in a worker). `log` hears, once per process,
 * what a pod asked for that this worker cannot enforce (limits without cgroups, runAsUser when not root).
 */
export function processRuntime(
  sandbox: SandboxSupport,
  launcher: PodLauncher,
  settings: SandboxSettings = NO_SETTINGS,
  log: (message: string) => void = () => undefined,
): ContainerRuntime {
  const said = new Set<string>();
  const once = (key: string, message: string): void => {
    if (said.has(key)) return;
    said.add(key);
    log(message);
  };
  return {
    name: 'process',
    launch: (request) => launch(request, sandbox, launcher, settings, once),
  };
}

async function launch(
  request: LaunchRequest,
  sandbox: SandboxSupport,
  launcher: PodLauncher,
  settings: SandboxSettings,
  once: (key: string, message: string) => void,
): Promise<LaunchResult> {
  const { container } = request;
  const resolved = resolveContainer(container, request.pod);
  if (!resolved.ok) return launchFailure(resolved.message, null, resolved.reason);
  const mounts = containerMounts(container, request.volumes);
  if (!mounts.ok) return launchFailure(mounts.message);
  const limits = containerLimits(container);
  if (!limits.ok) return launchFailure(`container "${container.name}": ${limits.message}`);
  const workingDir = container.workingDir || undefined;
  const runAs = runAsIdentity(request.podSpec, container);
  // Said only to pods that ask for limits: the worker's own pid limit is no promise to anyone.
  const wantsLimits = limits.value.memoryBytes !== undefined || limits.value.milliCpu !== undefined;

  if (sandbox.ok) {
    if (wantsLimits && !settings.cgroups.ok) {
      once('limits', `durable-jobs: resources.limits (memory, cpu) and the pods' process limit are not enforced on this worker: ${settings.cgroups.reason}`);
    }
    const isolation: ContainerIsolation = {
      hostname: request.pod.hostname ?? request.pod.podName,
      limits: limits.value,
    };
    if (runAs.uid !== undefined || runAs.gid !== undefined) {
      if (privileged() && sandbox.setpriv !== undefined) {
        // As a container runtime does for a numeric user without a group: group 0.
        isolation.user = { uid: runAs.uid ?? 0, gid: runAs.gid ?? 0 };
        openVolumes(mounts.mounts);
        // The worker's HOME is not this user's: a container runtime takes it from the user's passwd entry, else "/".
        const definesHome = (container.env ?? []).some((e) => e.name === 'HOME');
        if (!definesHome && isolation.user.uid !== 0) resolved.value.env.HOME = passwdHome(isolation.user.uid) ?? '/';
      } else {
        const why = privileged() ? 'setpriv (util-linux) is not on PATH' : 'the worker does not run as root';
        once('runAs', `durable-jobs: securityContext.runAsUser/runAsGroup are not honoured on this worker (${why}): pods run as the worker's user`);
      }
    }
    return launchSandboxed(resolved.value, mounts.mounts, workingDir, sandbox, settings, isolation, launcher, request);
  }

  if (wantsLimits) once('limits', `durable-jobs: resources.limits (memory, cpu) and the pods' process limit are not enforced on this worker: pods run without a sandbox (${sandbox.reason})`);
  if (runAs.uid !== undefined || runAs.gid !== undefined) {
    once('runAs', `durable-jobs: securityContext.runAsUser/runAsGroup are not honoured on this worker (pods run without a sandbox): pods run as the worker's user`);
  }
  if (mounts.mounts.length > 0) {
    // Running anyway would let the container write to the host's own mountPath, shared by every pod
    // and left behind: worse than not running.
    const where = mounts.mounts.map((m) => `"${m.volume}" at ${m.mountPath}`).join(', ');
    return launchFailure(
      `container "${container.name}" mounts ${where}, but this worker cannot mount volumes: ${sandbox.reason}`,
    );
  }
  if (workingDir !== undefined) {
    // Container runtimes create a missing working directory; so do we.
    try {
      fs.mkdirSync(workingDir, { recursive: true });
    } catch (err) {
      return launchFailure(`workingDir "${workingDir}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const { file, args, env } = resolved.value;
  const spawned = await launcher.spawn({ file, args, cwd: workingDir, env, logFile: request.logFile }, request.onLogError);
  if (!spawned.ok) {
    const { message, exitCode } = spawnFailure(file, spawned.error);
    return { ...launchFailure(message, exitCode), ...(spawned.logFile !== undefined ? { logFile: spawned.logFile } : {}) };
  }
  return { ok: true, handle: spawned.group };
}

/** The home directory of `uid` in this host's /etc/passwd, which the sandbox shows. */
function passwdHome(uid: number): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && f[2] === String(uid)) return f[5] || undefined;
    }
  } catch {
    // No passwd file: "/" then.
  }
  return undefined;
}

/**
 * An emptyDir is world-writable on a kubelet (0777), so that containers running as other users can
 * use it. Here only for pods that run as another user: the data dir above it stays 0700, so no one
 * on the host reaches it, and inside the sandbox only the pod's containers see it.
 */
function openVolumes(mounts: readonly Mount[]): void {
  for (const m of mounts) {
    if (m.readOnly) continue;
    try {
      fs.chmodSync(m.hostPath, 0o777);
    } catch {
      // Then the container meets a permission error writing to it, which it reports itself.
    }
  }
}
