// The pod activity with the process runtime: one call runs one pod attempt on this host, init
// containers one by one, then the containers together, and returns what a kubelet would report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledFailure, Context } from '@temporalio/activity';
import type { ContainerReason, ContainerResult, RunPodInput, RunPodResult } from '../api/pod';
import type { Container, PodSpec } from '../api/types';
import { announcePodStarted } from './announce';
import { resolveContainer, type PodFacts } from './env';
import { LogSink } from './log-sink';
import { longTimer, signalExitCode, spawnGroup, type LongTimer, type ProcessGroup } from './process-group';

export interface ActivitiesOptions {
  /** The worker's data directory: logs go to `<dataDir>/logs`, emptyDir volumes to `<dataDir>/pods`. */
  dataDir: string;
  /** Reported as the result's `worker`; defaults to `<pid>@<hostname>`. */
  workerIdentity?: string;
  /** Worker-side notes; defaults to the activity context's logger. */
  log?: (message: string) => void;
}

export interface PodActivities {
  runPod(input: RunPodInput): Promise<RunPodResult>;
}

export const DEADLINE_EXCEEDED_MESSAGE = 'Pod was active on the node longer than the specified deadline';
const DEFAULT_GRACE_SECONDS = 30;
const HEARTBEAT_EVERY_MS = 3_000;
/** Bounds the memory of the once-per-Job notes on a long-lived worker. */
const MAX_NOTED_JOBS = 10_000;

export function createActivities(opts: ActivitiesOptions): PodActivities {
  const worker = opts.workerIdentity ?? `${process.pid}@${os.hostname()}`;
  const log = opts.log ?? contextLog;
  const notedJobs = new Set<string>();

  const noteOncePerJob = (input: RunPodInput): void => {
    const key = `${input.namespace}/${input.jobName}`;
    if (notedJobs.has(key)) return;
    if (notedJobs.size >= MAX_NOTED_JOBS) notedJobs.clear();
    notedJobs.add(key);
    for (const note of runtimeNotes(input)) log(note);
  };

  return {
    async runPod(input: RunPodInput): Promise<RunPodResult> {
      noteOncePerJob(input);
      await announcePodStarted(input.podName, worker);
      return new PodRun(input, opts.dataDir, worker, log).run();
    },
  };
}

/** What the process runtime does differently from a cluster for this Job, said once per Job. */
export function runtimeNotes(input: RunPodInput): string[] {
  const spec = input.spec;
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const job = `(job "${input.namespace}/${input.jobName}")`;
  const notes: string[] = [];

  const images = [...new Set(all.flatMap((c) => (c.image ? [c.image] : [])))];
  if (images.length > 0) {
    const quoted = images.map((i) => `"${i}"`).join(', ');
    const pulled = images.length === 1 ? `image ${quoted} is not pulled` : `images ${quoted} are not pulled`;
    notes.push(`durable-jobs: the process runtime runs the containers' commands on this host; ${pulled} ${job}`);
  }

  const ignored: string[] = [];
  for (const key of Object.keys(spec)) {
    if (!POD_FIELDS_HONOURED.has(key)) ignored.push(`spec.${key}`);
  }
  for (const v of spec.volumes ?? []) {
    if (v.emptyDir === undefined) ignored.push(`volume "${v.name}" (only emptyDir is supported)`);
  }
  for (const c of all) {
    for (const key of Object.keys(c)) {
      if (!CONTAINER_FIELDS_HONOURED.has(key)) ignored.push(`container "${c.name}" ${key}`);
    }
    if ((c.volumeMounts?.length ?? 0) > 0) ignored.push(`container "${c.name}" volumeMounts (nothing is mounted)`);
  }
  if (ignored.length > 0) {
    notes.push(`durable-jobs: the process runtime ignores ${ignored.join(', ')} ${job}`);
  }
  return notes;
}

const POD_FIELDS_HONOURED = new Set([
  'containers',
  'initContainers',
  'restartPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'volumes',
  // Routing fields, handled by the workflow and worker before the pod reaches this runtime.
  'nodeSelector',
  'runtimeClassName',
]);

const CONTAINER_FIELDS_HONOURED = new Set([
  'name',
  'image',
  'command',
  'args',
  'env',
  'workingDir',
  'imagePullPolicy',
  // Said separately above.
  'volumeMounts',
  // Defaults that exported manifests carry; nothing to say about them.
  'terminationMessagePath',
  'terminationMessagePolicy',
]);

/** One pod attempt: its processes, its stop requests and its results. */
class PodRun {
  private readonly spec: PodSpec;
  private readonly facts: PodFacts;
  private readonly graceMs: number;
  private readonly running = new Set<ProcessGroup>();
  private readonly spawned: ProcessGroup[] = [];
  private readonly hitByDeadline = new Set<ProcessGroup>();
  private readonly results: ContainerResult[] = [];
  private cancelled = false;
  private deadlineExceeded = false;
  /** A stop kept a container from starting; with hitByDeadline, tells whether the deadline changed anything. */
  private skippedByStop = false;
  private podDir: string | undefined;

  constructor(
    private readonly input: RunPodInput,
    private readonly dataDir: string,
    private readonly worker: string,
    private readonly log: (message: string) => void,
  ) {
    this.spec = input.spec;
    this.facts = {
      podName: input.podName,
      namespace: input.namespace,
      labels: input.labels ?? {},
      annotations: input.annotations ?? {},
      index: input.index,
    };
    const grace = this.spec.terminationGracePeriodSeconds;
    this.graceMs = (typeof grace === 'number' && grace >= 0 ? grace : DEFAULT_GRACE_SECONDS) * 1000;
  }

  async run(): Promise<RunPodResult> {
    const ctx = Context.current();
    const signal = ctx.cancellationSignal;
    if (signal.aborted) throw cancellation(signal);
    const startedAt = new Date();

    // Cancellation only arrives with a heartbeat's response, so heartbeats continue through the
    // grace period of a termination too.
    ctx.heartbeat();
    const heartbeatTimeout = ctx.info.heartbeatTimeoutMs;
    const every = heartbeatTimeout ? Math.max(100, Math.min(HEARTBEAT_EVERY_MS, heartbeatTimeout / 3)) : HEARTBEAT_EVERY_MS;
    const heartbeats = setInterval(() => ctx.heartbeat(), every);

    const onAbort = (): void => this.stop('cancel');
    signal.addEventListener('abort', onAbort, { once: true });

    let deadline: LongTimer | undefined;
    const activeDeadline = this.spec.activeDeadlineSeconds;
    if (typeof activeDeadline === 'number' && activeDeadline >= 0) {
      deadline = longTimer(activeDeadline * 1000);
      void deadline.promise.then(() => this.stop('deadline'));
    }

    try {
      this.podDir = this.makeVolumes();
      await this.runContainers();
      // Every process is gone by now; only then may the cancellation be reported. It carries what
      // the killed containers did (exit codes, log tails), as a deleted pod's status would.
      if (this.cancelled || signal.aborted) throw cancellation(signal, this.result(startedAt));
      return this.result(startedAt);
    } finally {
      clearInterval(heartbeats);
      deadline?.cancel();
      signal.removeEventListener('abort', onAbort);
      // Normally a no-op: only an unexpected error can leave a group behind.
      for (const group of this.spawned) {
        if (group.isAlive()) group.signal('SIGKILL');
      }
      if (this.podDir !== undefined) {
        try {
          fs.rmSync(this.podDir, { recursive: true, force: true });
        } catch (err) {
          // Leftover scratch space must not turn the pod's outcome into a failure.
          this.log(`durable-jobs: cannot remove ${this.podDir}: ${errorMessage(err)}`);
        }
      }
    }
  }

  private get stopping(): boolean {
    return this.cancelled || this.deadlineExceeded;
  }

  private stop(why: 'cancel' | 'deadline'): void {
    if (why === 'cancel') this.cancelled = true;
    else this.deadlineExceeded = true;
    for (const group of this.running) this.terminate(group, why);
  }

  private terminate(group: ProcessGroup, why: 'cancel' | 'deadline'): void {
    // A container that ended on its own keeps its own result, even if its output is still draining.
    if (group.exited) return;
    if (why === 'deadline') this.hitByDeadline.add(group);
    void group.terminate(this.graceMs);
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
    const notRun = (message: string, exitCode: number | null, logFile?: string): ContainerResult => ({
      name: container.name,
      init,
      exitCode,
      reason: 'ContainerCannotRun',
      message,
      startedAt,
      finishedAt: new Date().toISOString(),
      logTail: '',
      logTruncated: false,
      logFile,
    });

    const resolved = resolveContainer(container, this.facts);
    if (!resolved.ok) return notRun(resolved.message, null);
    const { file, args, env } = resolved.value;

    const cwd = container.workingDir || undefined;
    if (cwd !== undefined) {
      // Container runtimes create a missing working directory; so do we.
      try {
        fs.mkdirSync(cwd, { recursive: true });
      } catch (err) {
        return notRun(`workingDir "${cwd}": ${errorMessage(err)}`, null);
      }
    }

    if (this.stopping) return this.skip();
    const logPath = path.join(
      this.dataDir,
      'logs',
      safeSegment(this.input.namespace),
      safeSegment(this.input.podName),
      `${safeSegment(container.name)}-${this.input.restartCount}.log`,
    );
    const sink = new LogSink(logPath, { onError: this.log });
    const spawned = await spawnGroup(file, args, { cwd, env, onOutput: (chunk) => sink.write(chunk) });
    if (!spawned.ok) {
      sink.close();
      const { message, exitCode } = spawnFailure(file, spawned.error);
      return notRun(message, exitCode, sink.file);
    }

    const group = spawned.group;
    this.spawned.push(group);
    this.running.add(group);
    // A stop that came while the process was starting missed it.
    if (this.cancelled) this.terminate(group, 'cancel');
    else if (this.deadlineExceeded) this.terminate(group, 'deadline');

    const status = await group.done;
    this.running.delete(group);
    sink.close();
    const tail = sink.tail();

    const exitCode = status.code ?? (status.signal ? signalExitCode(status.signal) : null);
    let reason: ContainerReason;
    let message: string | undefined;
    if (this.hitByDeadline.has(group)) {
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
      ...(sink.file !== undefined ? { logFile: sink.file } : {}),
    };
  }

  private skip(): undefined {
    this.skippedByStop = true;
    return undefined;
  }

  /**
   * emptyDir volumes as per-pod directories under the data dir, removed when the pod ends. Nothing is
   * mounted at the containers' mountPaths: that needs mount namespaces (the docker runtime has them).
   */
  private makeVolumes(): string | undefined {
    const volumes = (this.spec.volumes ?? []).filter((v) => v.emptyDir !== undefined);
    if (volumes.length === 0) return undefined;
    const parent = path.join(this.dataDir, 'pods', safeSegment(this.input.namespace));
    fs.mkdirSync(parent, { recursive: true });
    const dir = fs.mkdtempSync(path.join(parent, `${safeSegment(this.input.podName)}-${this.input.restartCount}-`));
    for (const v of volumes) fs.mkdirSync(path.join(dir, 'volumes', safeSegment(v.name)), { recursive: true });
    return dir;
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

function describeFailure(r: ContainerResult): string {
  if (r.reason === 'ContainerCannotRun') return 'could not run';
  if (r.signal) return `was killed by ${r.signal} (exit code ${r.exitCode})`;
  return `exited with code ${r.exitCode}`;
}

/** Docker's words and exit codes for a command that cannot be executed. */
export function spawnFailure(file: string, error: NodeJS.ErrnoException): { message: string; exitCode: number } {
  switch (error.code) {
    case 'ENOENT':
      return file.includes('/')
        ? { message: `exec: "${file}": stat ${file}: no such file or directory`, exitCode: 127 }
        : { message: `exec: "${file}": executable file not found in $PATH`, exitCode: 127 };
    case 'EACCES':
      return { message: `exec: "${file}": permission denied`, exitCode: 126 };
    default:
      return { message: `exec: "${file}": ${error.message}`, exitCode: 128 };
  }
}

/** Names come validated as DNS labels; this keeps a bad one from climbing out of the data dir. */
function safeSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? `_${cleaned}` : cleaned;
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

function contextLog(message: string): void {
  try {
    Context.current().log.info(message);
  } catch {
    // Outside an activity (a direct call from a script): nowhere better to say it.
    console.error(message);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
