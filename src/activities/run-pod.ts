// The pod activity: one call runs one pod attempt on this host, init containers one by one, then
// the containers together, with the runtime the pod's runtimeClassName names (./process-runtime.ts,
// ./docker.ts), and returns what a kubelet would report.
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory, type MetricMeter } from '@temporalio/common';
import { POD_FAILED_FAILURE_TYPE, podFailureMessage, type ContainerReason, type ContainerResult, type RunPodInput, type RunPodResult } from '../api/pod';
import type { Container, PodSpec } from '../api/types';
import { ignoredPodFields } from '../api/pod-fields';
import { StartAnnouncer } from './announce';
import { dockerRuntime, type DockerRuntimeOptions } from './docker';
import type { PodFacts } from './env';
import { LogSink } from './log-sink';
import { longTimer, signalExitCode, type LongTimer } from './process-group';
import { sharedLauncher } from './launcher-process';
import type { PodLauncher } from './pod-launcher';
import { processRuntime } from './process-runtime';
import { launchFailure, type ContainerHandle, type ContainerRuntime } from './runtime';
import { sandboxSupport, workerCredentialFiles, type PodNetwork, type SandboxSettings, type SandboxSupport } from './sandbox';
import { cgroupSupport, sweepCgroups } from './cgroup';
import { heartbeatEvery } from './heartbeat-pacing';
import { LocalPods, PodSlots, writePodRecord } from './pod-record';
import { outcomeOf, PodMetrics, podEndedLine, podStartedLine, type PodLogFields, type WorkerLog } from './pod-metrics';
import { podDir, prepareVolumes, removePodDir } from './volumes';
import { podLogFile } from '../data-dir/layout';
import { podHostname } from '../api/pod-identity';
import { graceAsker, type GraceAsker } from './grace-period';

export interface ActivitiesOptions {
  /** The worker's data directory: logs go to `<dataDir>/logs`, emptyDir volumes to `<dataDir>/pods`. */
  dataDir: string;
  /** Reported as the result's `worker`; defaults to `<pid>@<hostname>`. */
  workerIdentity?: string;
  /** Worker-side notes and per-pod lines (./pod-metrics.ts); defaults to the activity context's logger. */
  log?: WorkerLog;
  /** Where durable-jobs' pod metrics go: the Temporal runtime's meter, served with the SDK's metrics. */
  metricMeter?: MetricMeter;
  /**
   * How the process runtime isolates pods: 'auto' (the default) runs them in bubblewrap sandboxes
   * where bwrap works and as process groups elsewhere; 'sandbox' requires bwrap (without it, every
   * container fails with ContainerCannotRun, and the worker refuses to start); 'process-group' never
   * uses bwrap.
   */
  isolation?: Isolation;
  /** The docker runtime's CLI and its environment. */
  docker?: DockerRuntimeOptions;
  /**
   * Pod dirs in use by this process's runPod calls; the worker shares it with its pod-dir sweeper,
   * which must never remove a dir in use.
   */
  localPods?: LocalPods;
  /**
   * Pods this process runs at once, across every worker that shares these activities (a worker with
   * node labels polls several task queues). Unlimited when unset: the SDK's slots are then the limit.
   */
  maxConcurrentPods?: number;
  /**
   * What spawns the pods' processes; by default a launcher process shared by this process
   * (./launcher-process.ts), so that spawning neither blocks nor is slowed by this process's heap.
   */
  launcher?: PodLauncher;
  /** Where `secretKeyRef` values are read (src/activities/env.ts); without it, pods that need a secret fail. */
  secretsDir?: string;
  /**
   * Host directories every sandboxed pod sees read-write at the same path (the rest of the host is
   * read-only to pods): for an operator who means pods to leave files on this host.
   */
  sharedPaths?: string[];
  /**
   * Host paths no sandboxed pod may see, besides the data dir and the worker's Temporal credentials
   * (./sandbox.ts workerCredentialFiles): e.g. a directory of secrets the worker reads for pods.
   */
  hiddenPaths?: string[];
  /** 'host' (the default): sandboxed pods use this host's network; 'none': loopback only. */
  podNetwork?: PodNetwork;
  /** The most processes a sandboxed container may have (cgroup pids.max, where cgroups work); 1024 by default. */
  podPidsLimit?: number;
}

export const DEFAULT_POD_PIDS_LIMIT = 1024;

export type Isolation = 'auto' | 'sandbox' | 'process-group';
export const ISOLATION_MODES: readonly Isolation[] = ['auto', 'sandbox', 'process-group'];

export interface PodActivities {
  runPod(input: RunPodInput): Promise<RunPodResult>;
}

export const DEADLINE_EXCEEDED_MESSAGE = 'Pod was active on the node longer than the specified deadline';
const DEFAULT_GRACE_SECONDS = 30;
const FIRST_HEARTBEAT_MS = 500;
/** Bounds the memory of the once-per-Job notes on a long-lived worker. */
const MAX_NOTED_JOBS = 10_000;

export function createActivities(opts: ActivitiesOptions): PodActivities {
  const worker = opts.workerIdentity ?? `${process.pid}@${os.hostname()}`;
  const log = opts.log ?? contextLog;
  const notedJobs = new Set<string>();
  const runtimeFor = runtimeChooser(opts);
  const localPods = opts.localPods ?? new LocalPods();
  const slots = opts.maxConcurrentPods !== undefined ? new PodSlots(opts.maxConcurrentPods) : undefined;
  const metrics = new PodMetrics(opts.metricMeter, opts.maxConcurrentPods);
  const announcer = new StartAnnouncer(worker);

  const noteOncePerJob = (input: RunPodInput, runtime: ContainerRuntime): void => {
    const key = `${input.namespace}/${input.jobName}`;
    if (notedJobs.has(key)) return;
    if (notedJobs.size >= MAX_NOTED_JOBS) notedJobs.clear();
    notedJobs.add(key);
    for (const note of runtimeNotes(input, runtime.name)) log(note);
  };

  return {
    async runPod(input: RunPodInput): Promise<RunPodResult> {
      const runtime = await runtimeFor(input.spec);
      noteOncePerJob(input, runtime);
      let release: (() => void) | undefined;
      if (slots) {
        const ctx = Context.current();
        try {
          release = await slots.acquire(ctx.cancellationSignal, () => ctx.heartbeat());
        } catch {
          throw cancellation(ctx.cancellationSignal);
        }
      }
      const withdraw = announcer.started(input.podName, new Date());
      try {
        const started = Date.now();
        metrics.podStarted(input);
        log(...podStartedLine(input));
        let result: RunPodResult | undefined;
        let cancelled = false;
        try {
          result = await new PodRun(input, runtime, opts.dataDir, worker, log, localPods, opts.secretsDir).run();
        } catch (err) {
          if (err instanceof CancelledFailure) {
            cancelled = true;
            result = err.details[0] as RunPodResult | undefined;
          }
          throw err;
        } finally {
          const outcome = outcomeOf(result, Date.now() - started, cancelled);
          metrics.podEnded(input, outcome);
          log(...podEndedLine(input, outcome));
        }
        if (result.phase === 'Failed') throw podFailed(input.podName, result);
        return result;
      } finally {
        withdraw();
        release?.();
      }
    },
  };
}

/** What the downward API and the containers' environment see of the pod this input runs. */
export function podFacts(input: RunPodInput, secretsDir?: string): PodFacts {
  return {
    podName: input.podName,
    namespace: input.namespace,
    labels: input.labels ?? {},
    annotations: input.annotations ?? {},
    index: input.index,
    ...(secretsDir !== undefined ? { secretsDir } : {}),
    hostname: podHostname(input.jobName, input.podName, input.index, typeof input.spec.hostname === 'string' ? input.spec.hostname : undefined),
  };
}

/** The runtime a pod asks for with runtimeClassName; the sandbox probe runs once, on first use. */
function runtimeChooser(opts: ActivitiesOptions): (spec: PodSpec) => Promise<ContainerRuntime> {
  let processes: Promise<ContainerRuntime> | undefined;
  let docker: ContainerRuntime | undefined;
  return (spec) => {
    if (spec.runtimeClassName === 'docker') return Promise.resolve((docker ??= dockerRuntime(opts.docker)));
    processes ??= isolationSupport(opts.isolation ?? 'auto').then((support) =>
      opts.isolation === 'sandbox' && !support.ok
        ? sandboxRequired(support.reason)
        : processRuntime(support, opts.launcher ?? sharedLauncher(), sandboxSettings(opts), opts.log ?? contextLog),
    );
    return processes;
  };
}

/** What every sandbox of this worker gets: the data dir hidden, the operator's shares, cgroups (old ones swept). */
function sandboxSettings(opts: ActivitiesOptions): SandboxSettings {
  const cgroups = cgroupSupport();
  sweepCgroups(cgroups);
  return {
    // The secrets dir may lie outside the data dir: pods get their secretKeyRef values through env only.
    hidden: [opts.dataDir, ...workerCredentialFiles(), ...(opts.secretsDir !== undefined ? [opts.secretsDir] : []), ...(opts.hiddenPaths ?? [])],
    shared: (opts.sharedPaths ?? []).map((p) => path.resolve(p)),
    network: opts.podNetwork ?? 'host',
    cgroups,
    pidsLimit: opts.podPidsLimit ?? DEFAULT_POD_PIDS_LIMIT,
  };
}

/** Whether pods of the process runtime run sandboxed under this isolation mode, and if not why. */
export function isolationSupport(mode: Isolation): Promise<SandboxSupport> {
  if (mode === 'process-group') return Promise.resolve({ ok: false, reason: 'the worker is set to isolation "process-group"' });
  return sandboxSupport();
}

/** Isolation "sandbox" on a host without a working bwrap: nothing runs unsandboxed. */
function sandboxRequired(reason: string): ContainerRuntime {
  return {
    name: 'process',
    launch: () => Promise.resolve(launchFailure(`this worker requires bubblewrap sandboxes (isolation "sandbox"), but ${reason}`)),
  };
}

/** What the pod's runtime does differently from a cluster for this Job, said once per Job. */
export function runtimeNotes(input: RunPodInput, runtime = 'process'): string[] {
  const spec = input.spec;
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const job = `(job "${input.namespace}/${input.jobName}")`;
  const notes: string[] = [];

  const images = [...new Set(all.flatMap((c) => (c.image ? [c.image] : [])))];
  if (runtime === 'process' && images.length > 0) {
    const quoted = images.map((i) => `"${i}"`).join(', ');
    const pulled = images.length === 1 ? `image ${quoted} is not pulled` : `images ${quoted} are not pulled`;
    notes.push(`durable-jobs: the process runtime runs the containers' commands on this host; ${pulled} ${job}`);
  }

  // One list of what no runtime honours, shared with the manifest layer that accepts those fields.
  const ignored = ignoredPodFields(spec);
  if (ignored.length > 0) {
    notes.push(`durable-jobs: the ${runtime} runtime ignores ${ignored.join(', ')} ${job}`);
  }
  return notes;
}

/** One pod attempt: its processes, its stop requests and its results. */
class PodRun {
  private readonly spec: PodSpec;
  private readonly facts: PodFacts;
  private readonly graceMs: number;
  /** Started and not yet known to be gone. */
  private readonly running = new Set<ContainerHandle>();
  private readonly hitByDeadline = new Set<ContainerHandle>();
  private readonly results: ContainerResult[] = [];
  private cancelled = false;
  /** The grace period of a cancellation (a pod deletion may ask for its own), once asked. */
  private cancelGraceMs: Promise<number> | undefined;
  private askGrace: GraceAsker = () => Promise.resolve(undefined);
  private deadlineExceeded = false;
  /** A stop kept a container from starting; with hitByDeadline, tells whether the deadline changed anything. */
  private skippedByStop = false;
  /** emptyDir volumes: name to host directory. */
  private volumes: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly input: RunPodInput,
    private readonly runtime: ContainerRuntime,
    private readonly dataDir: string,
    private readonly worker: string,
    private readonly log: (message: string) => void,
    private readonly localPods: LocalPods,
    secretsDir: string | undefined,
  ) {
    this.spec = input.spec;
    this.facts = podFacts(input, secretsDir);
    const grace = this.spec.terminationGracePeriodSeconds;
    this.graceMs = (typeof grace === 'number' && grace >= 0 ? grace : DEFAULT_GRACE_SECONDS) * 1000;
  }

  async run(): Promise<RunPodResult> {
    const ctx = Context.current();
    const signal = ctx.cancellationSignal;
    if (signal.aborted) throw cancellation(signal);
    const startedAt = new Date();

    // Cancellation only arrives with a heartbeat's response, so heartbeats continue through the
    // grace period of a termination too. The first one waits FIRST_HEARTBEAT_MS: each heartbeat is a
    // server write, and most pods of a Job of short pods are over before it (their deletion is seen by then).
    // The period follows how many pods this worker runs (./heartbeat-pacing.ts), read at each beat.
    const heartbeatTimeout = ctx.info.heartbeatTimeoutMs;
    const every = (): number => heartbeatEvery(this.localPods.size, heartbeatTimeout);
    let heartbeats: NodeJS.Timeout | undefined;
    const beat = (): void => {
      ctx.heartbeat();
      heartbeats = setTimeout(beat, every());
    };
    heartbeats = setTimeout(beat, Math.min(FIRST_HEARTBEAT_MS, every()));

    // Asked for in the activity's context; the abort comes from outside it.
    this.askGrace = graceAsker(this.input.podName);
    const onAbort = (): void => this.stop('cancel');
    signal.addEventListener('abort', onAbort, { once: true });

    let deadline: LongTimer | undefined;
    const activeDeadline = this.spec.activeDeadlineSeconds;
    if (typeof activeDeadline === 'number' && activeDeadline >= 0) {
      deadline = longTimer(activeDeadline * 1000);
      void deadline.promise.then(() => this.stop('deadline'));
    }

    let restartsInPlace = false;
    const dir = podDir(this.dataDir, this.input.namespace, this.input.podName);
    this.localPods.enter(dir);
    try {
      this.volumes = prepareVolumes(this.dataDir, this.input);
      // Names the Job run that owns the volumes, for the sweeper: a pod whose Job ends while it waits
      // for an in-place restart gets no further runPod to remove them, and a worker killed mid-pod
      // leaves them too. Written before any container runs, so both cases are covered.
      if (this.volumes.size > 0) this.recordOwner();
      await this.runContainers();
      // Every process is gone by now; only then may the cancellation be reported. It carries what
      // the killed containers did (exit codes, log tails), as a deleted pod's status would.
      if (this.cancelled || signal.aborted) throw cancellation(signal, this.result(startedAt));
      const result = this.result(startedAt);
      // The workflow restarts such a pod in place, and the next run must find its volumes as they were.
      restartsInPlace = result.phase === 'Failed' && this.spec.restartPolicy === 'OnFailure' && result.reason !== 'DeadlineExceeded';
      return result;
    } finally {
      clearTimeout(heartbeats);
      deadline?.cancel();
      signal.removeEventListener('abort', onAbort);
      // Normally a no-op: only an unexpected error can leave a container behind.
      for (const handle of this.running) handle.kill();
      if (!restartsInPlace && this.volumes.size > 0) {
        try {
          removePodDir(this.dataDir, this.input.namespace, this.input.podName);
        } catch (err) {
          // Leftover scratch space must not turn the pod's outcome into a failure.
          this.log(`durable-jobs: cannot remove the volumes of pod ${this.input.podName}: ${errorMessage(err)}`);
        }
      }
      this.localPods.leave(dir);
    }
  }

  private recordOwner(): void {
    const owner = Context.current().info.workflowExecution;
    // Only an activity called outside a workflow (a script) has no owner; nothing could ask about it.
    if (owner === undefined) return;
    const { workflowId, runId } = owner;
    try {
      writePodRecord(this.dataDir, { namespace: this.input.namespace, pod: this.input.podName, workflowId, runId });
    } catch (err) {
      // Without the record the sweeper leaves the dir alone; the pod itself is unaffected.
      this.log(`durable-jobs: cannot record the owner of pod ${this.input.podName}'s volumes: ${errorMessage(err)}`);
    }
  }

  private get stopping(): boolean {
    return this.cancelled || this.deadlineExceeded;
  }

  private stop(why: 'cancel' | 'deadline'): void {
    if (why === 'cancel') {
      this.cancelled = true;
      this.cancelGraceMs ??= this.askGrace().then((seconds) => (seconds === undefined ? this.graceMs : seconds * 1000));
    } else this.deadlineExceeded = true;
    for (const handle of this.running) this.terminate(handle, why);
  }

  private terminate(handle: ContainerHandle, why: 'cancel' | 'deadline'): void {
    // A container that ended on its own keeps its own result, even if its output is still draining.
    if (handle.exited) return;
    if (why === 'deadline') {
      this.hitByDeadline.add(handle);
      return void handle.terminate(this.graceMs);
    }
    void (this.cancelGraceMs ?? Promise.resolve(this.graceMs)).then((ms) => handle.terminate(ms));
  }

  private async runContainers(): Promise<void> {
    for (const container of this.spec.initContainers ?? []) {
      if (this.stopping) return this.skip();
      const result = await this.runContainer(container, true);
      if (result === undefined) return;
      this.results.push(result);
      if (result.reason !== 'Completed') return;
    }
    if (this.stopping) return this.skip();
    const results = await Promise.all(this.spec.containers.map((c) => this.runContainer(c, false)));
    for (const result of results) if (result !== undefined) this.results.push(result);
  }

  /** Undefined when the pod was stopped before the container started. */
  private async runContainer(container: Container, init: boolean): Promise<ContainerResult | undefined> {
    const startedAt = new Date().toISOString();
    const notRun = (message: string, exitCode: number | null, logFile?: string, why?: ContainerReason): ContainerResult => ({
      name: container.name,
      init,
      exitCode,
      reason: why ?? 'ContainerCannotRun',
      message,
      startedAt,
      finishedAt: new Date().toISOString(),
      logTail: '',
      logTruncated: false,
      logFile,
    });

    if (this.stopping) return this.skip();
    const logPath = podLogFile(this.dataDir, this.input.namespace, this.input.podName, container.name, this.input.restartCount);
    const launched = await this.runtime.launch({
      container,
      pod: this.facts,
      podSpec: this.spec,
      restartCount: this.input.restartCount,
      volumes: this.volumes,
      logFile: logPath,
      onLogError: this.log,
    });
    if (!launched.ok) return notRun(launched.message, launched.exitCode, launched.logFile ?? emptyLog(logPath, this.log), launched.reason);

    const handle = launched.handle;
    this.running.add(handle);
    // A stop that came while the container was starting missed it.
    if (this.cancelled) this.terminate(handle, 'cancel');
    else if (this.deadlineExceeded) this.terminate(handle, 'deadline');

    const status = await handle.done;
    this.running.delete(handle);
    const tail = status.log.tail;

    const exitCode = status.code ?? (status.signal ? signalExitCode(status.signal) : null);
    let reason: ContainerReason;
    let message: string | undefined;
    if (status.cannotRun !== undefined) {
      reason = 'ContainerCannotRun';
      message = status.cannotRun;
    } else if (status.oomKilled === true) {
      // As the kubelet reports it: the exit code stays what the runtime saw (137 for the SIGKILL).
      reason = 'OOMKilled';
    } else if (this.hitByDeadline.has(handle)) {
      reason = 'DeadlineExceeded';
      message = 'terminated: the pod exceeded its activeDeadlineSeconds';
    } else if (exitCode === 0) {
      reason = 'Completed';
    } else {
      reason = 'Error';
      if (status.signal) message = `terminated by signal ${status.signal}`;
    }
    return {
      name: container.name,
      init,
      exitCode,
      ...(status.signal ? { signal: status.signal } : {}),
      reason,
      ...(message !== undefined ? { message } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
      logTail: tail.text,
      logTruncated: tail.truncated,
      ...(status.log.file !== undefined ? { logFile: status.log.file } : {}),
      ...(status.imagePull !== undefined ? { imagePull: status.imagePull } : {}),
    };
  }

  private skip(): undefined {
    this.skippedByStop = true;
    return undefined;
  }

  private result(startedAt: Date): RunPodResult {
    const base = {
      worker: this.worker,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      containers: this.results,
    };
    // A deadline that fired while the last container's output was draining changed nothing.
    if (this.deadlineExceeded && (this.hitByDeadline.size > 0 || this.skippedByStop)) {
      return { phase: 'Failed', reason: 'DeadlineExceeded', message: DEADLINE_EXCEEDED_MESSAGE, ...base };
    }
    const failed = this.results.filter((r) => r.reason !== 'Completed');
    if (failed.length === 0) return { phase: 'Succeeded', ...base };
    const what = failed
      .map((r) => `${r.init ? 'init container' : 'container'} "${r.name}" ${describeFailure(r)}`)
      .join('; ');
    return { phase: 'Failed', message: what, ...base };
  }
}

/** A container that could not start still has its (empty) log, as `jobctl logs` expects one. */
function emptyLog(file: string, log: (message: string) => void): string | undefined {
  const sink = new LogSink(file, { onError: log });
  sink.close();
  return sink.file;
}

function describeFailure(r: ContainerResult): string {
  if (r.reason === 'ContainerCannotRun') return 'could not run';
  if (r.reason === 'CreateContainerConfigError') return `could not start: CreateContainerConfigError: ${r.message ?? ''}`;
  if (r.reason === 'OOMKilled') return `was OOMKilled: it reached its memory limit (exit code ${r.exitCode})`;
  if (r.signal) return `was killed by ${r.signal} (exit code ${r.exitCode})`;
  return `exited with code ${r.exitCode}`;
}

/** The cancellation to report, with the pod's result as its details when containers ran. */
function cancellation(signal: AbortSignal, result?: RunPodResult): CancelledFailure {
  const reason: unknown = signal.reason;
  const details = result && result.containers.length > 0 ? [result] : [];
  if (reason instanceof CancelledFailure) {
    return details.length === 0 ? reason : new CancelledFailure(reason.message, details, reason.cause);
  }
  return new CancelledFailure('CANCELLED', details, reason instanceof Error ? reason : undefined);
}

function contextLog(message: string, fields?: PodLogFields): void {
  try {
    Context.current().log.info(message, fields ? { ...fields } : undefined);
  } catch {
    // Outside an activity (a direct call from a script): nowhere better to say it.
    console.error(message);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failed pod ends its activity failed, red in the Web UI with its exit code and log tail; BENIGN
 * because a failing pod is an outcome, not a worker problem (the SDK logs it at DEBUG, not WARN).
 */
function podFailed(podName: string, result: RunPodResult): ApplicationFailure {
  return ApplicationFailure.create({
    type: POD_FAILED_FAILURE_TYPE,
    message: podFailureMessage(podName, result),
    nonRetryable: true,
    details: [result],
    category: ApplicationFailureCategory.BENIGN,
  });
}

/** A runPod call's pod result whichever way it ended: returned (Succeeded) or failed (Failed). */
export async function podResultOf(run: Promise<RunPodResult>): Promise<RunPodResult> {
  try {
    return await run;
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === POD_FAILED_FAILURE_TYPE && err.details?.[0]) return err.details[0] as RunPodResult;
    throw err;
  }
}
