// The `process` runtime: a container's command runs on this host, in a bubblewrap sandbox where one
// works (see ./sandbox.ts), else as a bare process group (see ./process-group.ts).
import fs from 'node:fs';
import { resolveContainer } from './env';
import { spawnGroup } from './process-group';
import { launchFailure, spawnFailure, type ContainerRuntime, type LaunchRequest, type LaunchResult } from './runtime';
import { launchSandboxed, type SandboxSupport } from './sandbox';
import { containerMounts } from './volumes';

export function processRuntime(sandbox: SandboxSupport): ContainerRuntime {
  return {
    name: 'process',
    launch: (request) => launch(request, sandbox),
  };
}

async function launch(request: LaunchRequest, sandbox: SandboxSupport): Promise<LaunchResult> {
  const { container } = request;
  const resolved = resolveContainer(container, request.pod);
  if (!resolved.ok) return launchFailure(resolved.message);
  const mounts = containerMounts(container, request.volumes);
  if (!mounts.ok) return launchFailure(mounts.message);
  const workingDir = container.workingDir || undefined;

  if (sandbox.ok) {
    return launchSandboxed(resolved.value, mounts.mounts, workingDir, sandbox, request.onOutput);
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
  const spawned = await spawnGroup(file, args, { cwd: workingDir, env, onOutput: request.onOutput });
  if (!spawned.ok) {
    const { message, exitCode } = spawnFailure(file, spawned.error);
    return launchFailure(message, exitCode);
  }
  return { ok: true, handle: spawned.group };
}
