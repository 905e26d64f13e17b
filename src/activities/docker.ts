// The `docker` runtime (runtimeClassName: docker): each container is a `docker run` of its image,
// attached, so that its output reaches the pod's logs the same way as a local process's.
//
// Kubernetes' command/args rules map onto Docker's: `command` replaces the image's ENTRYPOINT
// (--entrypoint takes its first word, the rest go after the image) and `args` replace its CMD; with
// only `args`, the image's ENTRYPOINT stays. Passing --entrypoint also drops the image's CMD, as
// Kubernetes does when only `command` is set.
//
// Stopping is `docker stop -t <grace>` (SIGTERM, SIGKILL after the grace, by the engine), not a
// signal to the CLI. The container is `--rm`, and removed again with `docker rm -f` once `docker run`
// has ended, because a CLI that died or was killed mid-start can leave a created container behind.
import { containerLimits, runAsIdentity, type ContainerLimits } from '../api/pod-resources';
import { createHash } from 'node:crypto';
import { containerEnv } from './env';
import { expand, lookupIn } from './expand';
import { LogSink } from './log-sink';
import { spawnGroup, type ProcessGroup } from './process-group';
import {
  launchFailure,
  runCommand,
  signalledBy,
  spawnFailure,
  type CommandOutcome,
  type ContainerExit,
  type ContainerHandle,
  type ContainerRuntime,
  type LaunchRequest,
  type LaunchResult,
} from './runtime';
import { containerMounts, type Mount } from './volumes';

export interface DockerRuntimeOptions {
  /** The docker CLI; `docker`, looked up on the worker's PATH, by default. */
  command?: string;
  /** The CLI's environment (DOCKER_HOST, DOCKER_CONFIG...); the worker's by default. */
  env?: NodeJS.ProcessEnv;
}

/** docker's exit code when the engine could not run the container (no such image, bad option...). */
const DOCKER_RUN_FAILED = 125;
/** How long a `docker stop` or `docker rm` may take beyond the grace period before it is given up. */
const CLI_TIMEOUT_MS = 30_000;
/** After `docker stop` returned, how long `docker run` gets to notice before the CLI is killed. */
const STOP_MARGIN_MS = 5_000;
/** The same when `docker stop` failed: most likely there was no container yet (a pull under way). */
const FAILED_STOP_MARGIN_MS = 1_000;
const MAX_NAME = 128;

const PULL_POLICIES: Readonly<Record<string, string>> = { Always: 'always', IfNotPresent: 'missing', Never: 'never' };

export function dockerRuntime(options: DockerRuntimeOptions = {}): ContainerRuntime {
  const cli = new DockerCli(options.command ?? 'docker', options.env ?? process.env);
  return { name: 'docker', launch: (request) => launch(request, cli) };
}

export interface DockerRunSpec {
  name: string;
  hostname: string;
  image: string;
  pullPolicy?: string;
  env: Readonly<Record<string, string>>;
  workingDir?: string;
  mounts: readonly Mount[];
  /** Already expanded. */
  command: readonly string[];
  args: readonly string[];
  /** resources.limits, parsed (src/api/pod-resources.ts). */
  limits?: ContainerLimits;
  /** securityContext.runAsUser / runAsGroup. */
  user?: { uid?: number; gid?: number };
}

/**
 * `docker run` arguments. Variables are passed as `-e K=V`: a `-e K` would take the value from the
 * CLI's own environment, which would then have to carry the container's PATH and the like. The
 * values are therefore visible in `ps` on this host, as they are in `docker inspect`.
 */
export function dockerRunArgs(spec: DockerRunSpec): string[] {
  const args = ['run', '--rm', '--name', spec.name, '--hostname', spec.hostname];
  const pull = spec.pullPolicy !== undefined ? PULL_POLICIES[spec.pullPolicy] : undefined;
  if (pull !== undefined) args.push('--pull', pull);
  for (const [k, v] of Object.entries(spec.env)) args.push('-e', `${k}=${v}`);
  if (spec.workingDir) args.push('-w', spec.workingDir);
  if (spec.limits?.memoryBytes !== undefined) args.push('--memory', String(spec.limits.memoryBytes));
  if (spec.limits?.milliCpu !== undefined) args.push('--cpus', String(spec.limits.milliCpu / 1000));
  if (spec.user?.uid !== undefined || spec.user?.gid !== undefined) args.push('--user', `${spec.user.uid ?? 0}:${spec.user.gid ?? 0}`);
  for (const m of spec.mounts) args.push('-v', `${m.hostPath}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
  const [entrypoint, ...rest] = spec.command;
  if (entrypoint !== undefined) args.push('--entrypoint', entrypoint);
  args.push(spec.image, ...rest, ...spec.args);
  return args;
}

/**
 * `dj_<namespace>_<pod>_<container>_<restartCount>`: unique per pod, container and run, and valid as
 * a Docker name ([a-zA-Z0-9][a-zA-Z0-9_.-]+). A name too long is cut and made unique again by a hash.
 */
export function dockerContainerName(namespace: string, podName: string, container: string, restartCount: number): string {
  const full = ['dj', namespace, podName, container, String(restartCount)].map((s) => s.replace(/[^a-zA-Z0-9_.-]/g, '-')).join('_');
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12);
  return `${full.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
}

/** The pod's hostname, as the kubelet sets it: the pod name, cut to a DNS label's 63 characters. */
export function podHostname(podName: string): string {
  return podName.slice(0, 63).replace(/[-.]+$/, '') || 'pod';
}

async function launch(request: LaunchRequest, cli: DockerCli): Promise<LaunchResult> {
  const { container, pod } = request;
  if (!container.image) return launchFailure(`container "${container.name}": the docker runtime needs an image`);
  const vars = containerEnv(container, pod);
  if (!vars.ok) return launchFailure(vars.message, null, vars.reason);
  const mounts = containerMounts(container, request.volumes);
  if (!mounts.ok) return launchFailure(mounts.message);
  for (const m of mounts.mounts) {
    if (m.hostPath.includes(':') || m.mountPath.includes(':')) {
      return launchFailure(`volume "${m.volume}": docker -v cannot take a path with ":" (${m.hostPath}:${m.mountPath})`);
    }
  }
  const limits = containerLimits(container);
  if (!limits.ok) return launchFailure(`container "${container.name}": ${limits.message}`);
  const lookup = lookupIn(vars.value);
  const name = dockerContainerName(pod.namespace, pod.podName, container.name, request.restartCount);
  const args = dockerRunArgs({
    name,
    hostname: pod.hostname ?? podHostname(pod.podName),
    image: container.image,
    pullPolicy: container.imagePullPolicy,
    env: vars.value,
    workingDir: container.workingDir,
    mounts: mounts.mounts,
    command: (container.command ?? []).map((s) => expand(s, lookup)),
    args: (container.args ?? []).map((s) => expand(s, lookup)),
    limits: limits.value,
    user: runAsIdentity(request.podSpec, container),
  });

  // A container of this name can only be left over from a worker that died running this same pod
  // run; `docker run` would refuse the name while it exists.
  await cli.run(['rm', '-f', name], CLI_TIMEOUT_MS);

  const last = new LastLine();
  const pull = new PullWatch();
  // The docker CLI is spawned from here rather than by the pod launcher: one per container, next to
  // a container start that costs far more, and its stop goes through `docker stop` anyway.
  const sink = new LogSink(request.logFile, { onError: request.onLogError });
  const spawned = await spawnGroup(cli.command, args, {
    env: cli.env,
    onOutput: (chunk) => {
      last.write(chunk);
      pull.write(chunk);
      sink.write(chunk);
    },
  });
  if (!spawned.ok) {
    sink.close();
    const { message, exitCode } = spawnFailure(cli.command, spawned.error);
    return { ...launchFailure(`the docker runtime cannot start the docker CLI: ${message}`, exitCode), ...(sink.file !== undefined ? { logFile: sink.file } : {}) };
  }
  return { ok: true, handle: new DockerContainer(spawned.group, name, cli, last, sink, pull, container.image) };
}

class DockerContainer implements ContainerHandle {
  readonly done: Promise<ContainerExit>;
  private readonly sent = new Set<NodeJS.Signals>();
  private terminating: Promise<void> | undefined;

  constructor(
    private readonly run: ProcessGroup,
    private readonly name: string,
    private readonly cli: DockerCli,
    last: LastLine,
    sink: LogSink,
    pull: PullWatch,
    image: string,
  ) {
    this.done = run.done.then(async (status): Promise<ContainerExit> => {
      sink.close();
      const log = { tail: sink.tail(), ...(sink.file !== undefined ? { file: sink.file } : {}) };
      await cli.run(['rm', '-f', name], CLI_TIMEOUT_MS);
      if (status.code === DOCKER_RUN_FAILED) {
        const said = last.text();
        const cannotRun = `docker run failed (exit code ${DOCKER_RUN_FAILED}): ${said || 'no message'}`;
        if (!pull.failed(said)) return { ...status, log, cannotRun };
        return { ...status, log, cannotRun, imagePull: { image, outcome: 'Failed', message: said.replace(/^docker: /, '') } };
      }
      if (pull.downloaded) return { ...signalledBy(status, this.sent), log, imagePull: { image, outcome: 'Pulled' } };
      return { ...signalledBy(status, this.sent), log };
    });
  }

  get exited(): boolean {
    return this.run.exited;
  }

  terminate(graceMs: number): Promise<void> {
    this.terminating ??= (async () => {
      if (!this.run.exited) {
        // The engine sends SIGTERM, then SIGKILL once the grace is over.
        this.sent.add('SIGTERM');
        this.sent.add('SIGKILL');
        const seconds = Math.max(0, Math.ceil(graceMs / 1000));
        const stop = await this.cli.run(['stop', '-t', String(seconds), this.name], graceMs + CLI_TIMEOUT_MS);
        // `docker run` ends right after its container. If it does not, stop found nothing to stop
        // (the image is still being pulled) or the engine does not answer: the CLI must go, which
        // ends the start, and `docker rm -f` removes what it may have created.
        const margin = stop.code === 0 ? STOP_MARGIN_MS : FAILED_STOP_MARGIN_MS;
        let timer: NodeJS.Timeout | undefined;
        const exited = await Promise.race([
          this.run.mainExit.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), margin))),
        ]);
        clearTimeout(timer);
        if (!exited) this.run.kill();
      }
      await this.done;
    })();
    return this.terminating;
  }

  kill(): void {
    this.run.kill();
    void this.cli.run(['rm', '-f', this.name], CLI_TIMEOUT_MS);
  }
}

class DockerCli {
  constructor(
    readonly command: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs a short docker command; never rejects, as the callers go on regardless (`docker rm -f` is idempotent). */
  run(args: string[], timeoutMs: number): Promise<CommandOutcome> {
    return runCommand(this.command, args, { env: this.env, timeoutMs });
  }
}

/**
 * Whether `docker run` pulled the image, or failed to: the CLI's own lines before the container's output
 * (`Unable to find image 'x' locally`, `latest: Pulling from ...`, `Status: Downloaded newer image for x`).
 * Only the first bytes are read: the pull happens before the container writes anything.
 */
export class PullWatch {
  private head = '';
  private static readonly LIMIT = 16 * 1024;

  write(chunk: Buffer): void {
    if (this.head.length < PullWatch.LIMIT) this.head += chunk.toString('utf8').slice(0, PullWatch.LIMIT - this.head.length);
  }

  /** A pull was under way (the image was not present, or the policy is Always). */
  get pulling(): boolean {
    return /^Unable to find image '.*' locally$|^\S+: Pulling from \S+$/m.test(this.head);
  }

  get downloaded(): boolean {
    return /^Status: Downloaded newer image for \S+$/m.test(this.head);
  }

  /** Whether a failed start (exit code 125, `said` its last line) failed on the image. */
  failed(said: string): boolean {
    return this.pulling || /No such image|pull access denied|manifest unknown|repository does not exist|ErrImageNeverPull/i.test(said);
  }
}

/** The last line of what `docker run` printed, for the message of a failed start. */
class LastLine {
  private tail = '';

  write(chunk: Buffer): void {
    this.tail = (this.tail + chunk.toString('utf8')).slice(-1024);
  }

  text(): string {
    // docker ends its errors with a pointer to --help, which says nothing about what went wrong.
    const lines = this.tail
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^Run '.*--help' for more information/.test(l));
    return lines[lines.length - 1] ?? '';
  }
}
