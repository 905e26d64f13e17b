// The `process` runtime: a container's command runs on this host, in a bubblewrap sandbox where one
// works (see ./sandbox.ts), else as a bare process group (see ./process-group.ts).
import fs from 'node:fs';
import { resolveContainer } from './env';
import type { PodLauncher } from './pod-launcher';
import { launchFailure, spawnFailure, type ContainerRuntime, type LaunchRequest, type LaunchResult } from './runtime';
import { launchSandboxed, type SandboxSupport } from './sandbox';
import { containerMounts } from './volumes';

/** `launcher` starts the processes (./launcher-process.ts in a worker). */
export function processRuntime(sandbox: SandboxSupport, launcher: PodLauncher): ContainerRuntime {
  return {
    name: 'process',
    launch: (request) => launch(request, sandbox, launcher),
  };
}

async function launch(request: LaunchRequest, sandbox: SandboxSupport, launcher: PodLauncher): Promise<LaunchResult> {
  const { container } = request;
  const resolved = resolveContainer(container, request.pod);
  if (!resolved.ok) return launchFailure(resolved.message, null, resolved.reason);
  const mounts = containerMounts(container, request.volumes);
  if (!mounts.ok) return launchFailure(mounts.message);
  const workingDir = container.workingDir || undefined;

  if (sandbox.ok) {
    return launchSandboxed(resolved.value, mounts.mounts, workingDir, sandbox, launcher, request);
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
