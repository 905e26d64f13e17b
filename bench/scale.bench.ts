// Jobs of many pods on the embedded dev server, each figure next to its baseline from the same run,
// with the machine's load. Workers run in processes of their own (bench/scale-worker.ts) so that
// their RSS is theirs; it is sampled every second, with their pod launchers' beside it.
//
// Run: npm run bench:scale -- [cases...] [--spawn=launcher|worker|both] [--timeout=<s>] [--big] [--profile=<dir>]
//   [--node-flags='<flags>'] [--worker-env='NAME=value ...'] (the workers' node flags and environment;
//   default: those bin/jobctl.js starts node with)
//   cases: xargs 1k 10k latency p1000 workers (default: all of them); --big adds 100k (Indexed and
//   NonIndexed, 100,000 completions at parallelism 100), which needs a workflow that continues as new;
//   100k-nonindexed or 100k-indexed runs one of them.
//   --spawn=worker spawns pods from the worker process itself (as before the pod launcher); both runs
//   the 1k/10k cases each way.
// --profile writes each worker's CPU profile (node --cpu-prof) to <dir>, to see where its time goes.
// Every Job is bounded by --timeout (default 900 s; 4,000 s for the 100k cases): past it, it is
// terminated and reported as such.
//   --big-completions=<n> runs the "100k" cases with n completions; --can-events=<n> gives their Jobs
//   that continue-as-new threshold (history events), to cross many runs quickly.
// While a Job runs its status is read every 10 s: a count that goes down, and the first failed pods
// (their reason and message, from the pods query), are printed, so a failure's cause outlives the server.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { listHostRoot, sandboxArgv, sandboxSupport } from '../src/activities/sandbox';
import { parseManifests } from '../src/api/manifest';
import { JobsClient } from '../src/client/jobs';
import { startEmbeddedServer, type EmbeddedServer } from '../src/dev/embedded';
import { preloadedWorkflowModules, workflowsPath } from '../src/worker';
import { jobWorkflowId } from '../src/workflows/messages';
import type { ScaleWorkerSettings } from './scale-worker';

type Spawn = ScaleWorkerSettings['spawn'];
const ALL_CASES = ['xargs', '1k', '10k', 'latency', 'p1000', 'workers'];

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const cases = new Set(argv.filter((a) => !a.startsWith('--')));
if (cases.size === 0) for (const c of ALL_CASES) cases.add(c);
if (argv.includes('--big')) cases.add('100k');
const spawnModes: Spawn[] = flag('spawn') === 'both' ? ['worker', 'launcher'] : [(flag('spawn') as Spawn | undefined) ?? 'launcher'];
const TIMEOUT_S = Number(flag('timeout') ?? 900);
/** A 100k Job at ~40 pods/s takes ~2,500 s: the default timeout would stop it half-way. */
const BIG_TIMEOUT_S = Number(flag('timeout') ?? 4000);
const BIG_COMPLETIONS = Number(flag('big-completions') ?? 100_000);
const CAN_EVENTS = flag('can-events') !== undefined ? Number(flag('can-events')) : undefined;
const PROFILE_DIR = flag('profile');
/**
 * How bin/jobctl.js starts node, read from its `#!/usr/bin/env -S NAME=value ... node <flags>` line: the
 * workers run as `jobctl worker` would, and a change there is measured here without a second copy.
 */
function jobctlLaunch(): { env: Record<string, string>; flags: string[] } {
  const first = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'jobctl.js'), 'utf8').split('\n')[0] ?? '';
  const words = first.replace(/^#!\S*env -S /, '').split(' ').filter((w) => w !== '');
  const at = words.indexOf('node');
  // env -S expands ${NAME} from the caller's environment.
  const expand = (v: string): string => v.replace(/\$\{(\w+)\}/g, (_, name: string) => process.env[name] ?? '');
  const pairs = (list: string[]): Record<string, string> =>
    Object.fromEntries(list.filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), expand(kv.slice(kv.indexOf('=') + 1))]));
  const env = pairs(words.slice(0, Math.max(0, at)));
  return { env, flags: words.slice(at + 1) };
}
const JOBCTL = jobctlLaunch();
/** Node flags of the worker processes; by default those bin/jobctl.js starts `jobctl worker` with. */
const WORKER_NODE_FLAGS = flag('node-flags') !== undefined ? (flag('node-flags') ?? '').split(' ').filter((f) => f !== '') : JOBCTL.flags;
/**
 * Environment of the worker processes: by default what bin/jobctl.js sets (glibc's malloc tunables);
 * `--worker-env='NAME=value NAME=value'` replaces it (`--worker-env=` for none).
 */
const WORKER_ENV: Record<string, string> =
  flag('worker-env') !== undefined
    ? Object.fromEntries(
        (flag('worker-env') ?? '')
          .split(' ')
          .filter((kv) => kv.includes('='))
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      )
    : JOBCTL.env;

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-bench-'));
let server: EmbeddedServer | undefined;
let bundlePath = '';
const live = new Set<ChildProcess>();
let jobSeq = 0;

function load(): string {
  return `loadavg ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
}

function say(line: string): void {
  console.log(line);
}

// ---- the baseline: the same sandbox command through xargs ----------------------------------------

const xargsCache = new Map<string, { secs: number; rate: number }>();

async function xargsBaseline(n: number, p: number): Promise<{ secs: number; rate: number }> {
  const key = `${n}/${p}`;
  const known = xargsCache.get(key);
  if (known) return known;
  const support = await sandboxSupport();
  if (!support.ok) throw new Error(`no bwrap sandbox here: ${support.reason}`);
  const cmd = sandboxArgv({ bwrap: support.bwrap, env: support.env, root: listHostRoot(), mounts: [], file: 'true', args: [] });
  // As the probe does: no --info-fd, nobody reads it here.
  const args = cmd.args.filter((a, i, all) => a !== '--info-fd' && all[i - 1] !== '--info-fd');
  const t0 = Date.now();
  await new Promise<void>((resolve, reject) => {
    const seq = Array.from({ length: n }, (_, i) => String(i)).join('\n');
    const x = spawn('xargs', ['-P', String(p), '-n', '1', cmd.file, ...args], { stdio: ['pipe', 'ignore', 'inherit'] });
    x.stdin.end(`${seq}\n`);
    x.once('error', reject);
    x.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`xargs exited with ${String(code)}`))));
  });
  const secs = (Date.now() - t0) / 1000;
  const figure = { secs, rate: n / secs };
  xargsCache.set(key, figure);
  return figure;
}

// ---- workers --------------------------------------------------------------------------------------

interface Workers {
  pids: number[];
  /** Each worker's own account of its peak memory (bench/scale-worker.ts), once it has stopped. */
  peaks: string[];
  stop(): Promise<void>;
}

async function startWorkers(count: number, maxPods: number, mode: Spawn, sharedPaths?: string[]): Promise<Workers> {
  if (!server) throw new Error('no server');
  const procs: ChildProcess[] = [];
  const peaks: string[] = [];
  for (let i = 0; i < count; i++) {
    const settings: ScaleWorkerSettings = {
      address: server.address,
      dataDir: path.join(home, `w${jobSeq}-${i}`),
      maxPods,
      spawn: mode,
      identity: `bench-worker-${i}`,
      bundlePath,
      ...(sharedPaths ? { sharedPaths } : {}),
    };
    const prof = PROFILE_DIR !== undefined ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(PROFILE_DIR)] : [];
    const child = spawn(process.execPath, [...prof, ...WORKER_NODE_FLAGS, path.join(__dirname, 'scale-worker.js')], {
      env: { ...process.env, ...WORKER_ENV, SCALE_WORKER: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        const text = d.toString();
        if (text.includes('ready')) resolve();
        const peak = /^peak (.*)$/m.exec(text);
        if (peak?.[1] !== undefined) peaks.push(peak[1]);
      });
      child.once('exit', (code) => reject(new Error(`worker exited (${String(code)}): ${err}`)));
    });
    procs.push(child);
  }
  return {
    pids: procs.map((p) => p.pid ?? -1),
    peaks,
    stop: async () => {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve();
              const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
              p.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              p.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Node children of `pid` (its pod launcher). */
function launcherPids(pid: number): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes('launcher-main')) found.push(Number(e));
    } catch {
      // Gone.
    }
  }
  return found;
}

/** Processes whose command line holds `word` (pods of the p1000 case), zombies excluded. */
function countProcesses(word: string): number {
  let n = 0;
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').startsWith(`sleep\0${word}`)) continue;
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') n++;
    } catch {
      // Gone.
    }
  }
  return n;
}

/**
 * utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux); with `reaped`, cutime +
 * cstime instead: its children that it waited for (a launcher's: bwrap's outer processes).
 */
function cpuSecs(pid: number, reaped = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return reaped ? (Number(f[13]) + Number(f[14])) / 100 : (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** The dev server's process: this process's child that is neither a worker nor xargs. */
function serverPids(): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (!cmd.includes('scale-worker') && !cmd.startsWith('xargs')) found.push(Number(e));
    } catch {
      // Gone.
    }
  }
  return found;
}

/** CPU seconds used while a Job ran, by the workers, their launchers and the dev server. */
class CpuMeter {
  private readonly start: Map<number, number>;
  private readonly startReaped: Map<number, number>;
  private readonly t0 = Date.now();
  constructor(private readonly workers: number[]) {
    this.start = new Map([...this.all()].map((pid) => [pid, cpuSecs(pid)]));
    this.startReaped = new Map(this.workers.flatMap(launcherPids).map((pid) => [pid, cpuSecs(pid, true)]));
  }
  private all(): number[] {
    return [...this.workers, ...this.workers.flatMap(launcherPids), ...serverPids()];
  }
  report(): string {
    const used = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuSecs(pid) - (this.start.get(pid) ?? 0), 0);
    const wall = (Date.now() - this.t0) / 1000;
    const w = used(this.workers);
    const launchers = this.workers.flatMap(launcherPids);
    const l = used(launchers);
    // The sandboxes' outer processes, which the launchers reap (the sandboxes' insides are the host init's).
    const children = launchers.reduce((sum, pid) => sum + cpuSecs(pid, true) - (this.startReaped.get(pid) ?? 0), 0);
    const srv = used(serverPids());
    return `CPU over ${wall.toFixed(0)} s: workers ${w.toFixed(1)} s, launchers ${l.toFixed(1)} s (their reaped children ${children.toFixed(1)} s), dev server ${srv.toFixed(1)} s`;
  }
}

class Sampler {
  /** RSS of the workers when the Job was created: what they hold before any pod. */
  readonly idleWorker: number;
  maxWorker = 0;
  maxLauncher = 0;
  maxRunning = 0;
  /** Seconds from the start until the running pods first reached 250, 500, 750, 1,000. */
  readonly reached = new Map<number, number>();
  private readonly t0 = Date.now();
  private readonly timer: NodeJS.Timeout;
  constructor(pids: number[], word?: string) {
    this.idleWorker = Math.max(0, ...pids.map(rssMb));
    const sample = (): void => {
      this.maxWorker = Math.max(this.maxWorker, ...pids.map(rssMb));
      this.maxLauncher = Math.max(this.maxLauncher, ...pids.flatMap(launcherPids).map(rssMb), 0);
      if (word !== undefined) {
        const running = countProcesses(word);
        this.maxRunning = Math.max(this.maxRunning, running);
        for (const n of [250, 500, 750, 1000]) if (running >= n && !this.reached.has(n)) this.reached.set(n, (Date.now() - this.t0) / 1000);
      }
    };
    sample();
    this.timer = setInterval(sample, 1000);
  }
  stop(): void {
    clearInterval(this.timer);
  }
  rss(): string {
    return `worker RSS max ${this.maxWorker.toFixed(0)} MB (${this.idleWorker.toFixed(0)} MB before the Job; its launcher ${this.maxLauncher.toFixed(0)} MB)`;
  }
}

// ---- Jobs -----------------------------------------------------------------------------------------

interface JobOutcome {
  secs: number;
  succeeded: number;
  failed: number;
  ended: string;
  runs?: number;
  historyEvents?: number;
  historyBytes?: number;
  totalEvents?: number;
  totalBytes?: number;
  /** Round-trip figures of the last run (roundTrips). */
  trips?: string;
}

function manifest(name: string, o: { completions: number; parallelism: number; indexed?: boolean; command: string[] }): string {
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      completions: o.completions,
      parallelism: o.parallelism,
      completionMode: o.indexed ? 'Indexed' : 'NonIndexed',
      backoffLimit: 100,
      template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'busybox', command: o.command }] } },
    },
  });
}

/**
 * Reads a running Job's status every 10 s: says when succeeded or failed goes down, and prints the first
 * failed pods with their reason and message (the finished-pods window would lose them in a long Job).
 */
function watchJob(jobs: JobsClient, namespace: string, name: string): { stop(): void; notes: string[] } {
  const notes: string[] = [];
  let last = { succeeded: 0, failed: 0 };
  let shownFailed = 0;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const s = await jobs.status(namespace, name);
      const now = { succeeded: s.succeeded ?? 0, failed: s.failed ?? 0 };
      if (now.succeeded < last.succeeded || now.failed < last.failed) {
        notes.push(`count went down: succeeded ${last.succeeded} -> ${now.succeeded}, failed ${last.failed} -> ${now.failed}`);
        say(`  ! ${name}: ${notes[notes.length - 1]}`);
      }
      last = now;
      if (now.failed > shownFailed && shownFailed < 5) {
        const page = await jobs.pods(namespace, name, 0, 1000);
        const [events] = await Promise.all([jobs.events(namespace, name)]);
        for (const p of page.items.filter((x) => x.phase === 'Failed' || x.conditions !== undefined)) {
          const c = p.containers?.map((x) => `${x.name}: ${x.reason ?? ''} exit ${String(x.exitCode ?? '')} ${x.message ?? ''}`.trim()).join('; ');
          notes.push(`failed pod ${p.name} (index ${String(p.index ?? '-')}, worker ${p.worker ?? '?'}): ${p.reason ?? ''} ${p.message ?? ''} [${c ?? ''}]`);
          say(`  ! ${name}: ${notes[notes.length - 1]}`);
        }
        for (const e of events.filter((x) => x.type === 'Warning')) say(`  ! ${name}: event ${e.reason}: ${e.message} (x${e.count})`);
        shownFailed = now.failed;
      }
    } catch {
      // Unanswered (busy worker, a run changing hands): the next tick reads it again.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), 10_000);
  return { stop: () => clearInterval(timer), notes };
}

async function runJob(jobs: JobsClient, yaml: string, timeoutS = TIMEOUT_S, canEvents?: number): Promise<JobOutcome> {
  const [job] = parseManifests(yaml);
  if (!job) throw new Error('no Job');
  const { name, namespace } = job.metadata;
  const t0 = Date.now();
  await jobs.create(job, canEvents !== undefined ? { continueAsNew: { historyEvents: canEvents } } : {});
  const handle = jobs.client.workflow.getHandle(jobWorkflowId(namespace, name));
  const watch = watchJob(jobs, namespace, name);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutS * 1000)));
  const outcome = await Promise.race([jobs.result(namespace, name).then((r) => ({ r }), (e: unknown) => ({ e })), timedOut]);
  clearTimeout(timer);
  watch.stop();
  const secs = (Date.now() - t0) / 1000;
  const runs = { ...(await historyOf(jobs, handle.workflowId)), trips: await roundTrips(jobs, handle.workflowId) };
  if (outcome === 'timeout') {
    let progress = '';
    try {
      const status = await jobs.status(namespace, name);
      progress = ` at succeeded=${status.succeeded ?? 0} failed=${status.failed ?? 0}`;
    } catch {
      // Unanswered: the worker is too busy.
    }
    await handle.terminate('bench timeout').catch(() => undefined);
    return { secs, succeeded: -1, failed: -1, ended: `TIMED OUT after ${timeoutS} s${progress}; terminated`, ...runs };
  }
  if ('e' in outcome) {
    const msg = outcome.e instanceof Error ? `${outcome.e.message}${outcome.e.cause instanceof Error ? `: ${outcome.e.cause.message}` : ''}` : String(outcome.e);
    const hint = /terminat/i.test(msg) ? ' (the server terminated the run: most likely its history hit the limit; the workflow needs to continue as new)' : '';
    return { secs, succeeded: -1, failed: -1, ended: `FAILED: ${msg}${hint}`, ...runs };
  }
  const status = outcome.r.job.status;
  for (const p of outcome.r.pods.filter((x) => x.phase === 'Failed')) say(`  ! ${name}: failed pod in the result: ${p.name} ${p.reason ?? ''} ${p.message ?? ''}`);
  const complete = status.conditions.some((c) => c.type === 'Complete' && c.status === 'True');
  return { secs, succeeded: status.succeeded ?? 0, failed: status.failed ?? 0, ended: complete ? 'Complete' : 'not Complete', ...runs };
}

async function historyOf(jobs: JobsClient, workflowId: string): Promise<Pick<JobOutcome, 'runs' | 'historyEvents' | 'historyBytes' | 'totalEvents' | 'totalBytes'>> {
  try {
    let runs = 0;
    let events = 0;
    let bytes = 0;
    let totalEvents = 0;
    let totalBytes = 0;
    for await (const wf of jobs.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs++;
      events = Math.max(events, wf.historyLength);
      bytes = Math.max(bytes, wf.historySize ?? 0);
      totalEvents += wf.historyLength;
      totalBytes += wf.historySize ?? 0;
    }
    return { runs, historyEvents: events, historyBytes: bytes, totalEvents, totalBytes };
  } catch {
    return {};
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

function p50(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/**
 * Where a Job's first run spent its round trips: workflow tasks (how many, how long they waited for the
 * worker and how long it took, how many pod results each took in), history events per pod, signals.
 */
async function roundTrips(jobs: JobsClient, workflowId: string): Promise<string> {
  try {
    const events = (await jobs.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    // Without a run id: the latest run, the only one of a Job short enough not to continue as new.
    const count = (type: number) => events.filter((e) => e.eventType === type).length;
    const at = new Map<number, number>();
    const waits: number[] = [];
    const works: number[] = [];
    for (const e of events) {
      const id = Number(e.eventId);
      at.set(id, eventMs(e));
      const started = e.workflowTaskStartedEventAttributes;
      if (started) waits.push(eventMs(e) - (at.get(Number(started.scheduledEventId)) ?? eventMs(e)));
      const done = e.workflowTaskCompletedEventAttributes;
      if (done) works.push(eventMs(e) - (at.get(Number(done.startedEventId)) ?? eventMs(e)));
    }
    // Pods waiting in the task queue (scheduled, no worker has taken them) against pods a worker runs.
    const podWaits: number[] = [];
    const spans: Array<[number, number, number]> = [];
    for (const e of events) {
      const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
      if (!done) continue;
      const s = at.get(Number(done.scheduledEventId));
      const st = at.get(Number(done.startedEventId));
      if (s === undefined || st === undefined) continue;
      podWaits.push(st - s);
      spans.push([s, st, eventMs(e)]);
    }
    let queuedMax = 0;
    let runningAtQueuedMax = 0;
    for (const [, st] of spans) {
      const queued = spans.filter(([s2, st2]) => s2 <= st && st < st2).length;
      if (queued > queuedMax) {
        queuedMax = queued;
        runningAtQueuedMax = spans.filter(([, st2, c2]) => st2 <= st && st < c2).length;
      }
    }
    const sortedWaits = [...podWaits].sort((a, b) => a - b);
    const p90 = sortedWaits[Math.floor(sortedWaits.length * 0.9)] ?? NaN;
    const tasks = count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const pods = count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const ended = pods === 0 ? 0 : count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) / Math.max(1, tasks);
    return (
      `last run: ${events.length} events, ${pods} pods (${(events.length / Math.max(1, pods)).toFixed(2)} events/pod), ` +
      `${tasks} workflow tasks (${ended.toFixed(1)} pod results each; schedule->start p50 ${p50(waits)} ms, start->complete p50 ${p50(works)} ms), ` +
      `${count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)} signals, ${count(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)} task timeouts, ` +
      `${count(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)} task failures; pods queued (schedule->start) p50 ${p50(podWaits)} ms, p90 ${p90} ms, ` +
      `at most ${queuedMax} queued at once (while ${runningAtQueuedMax} ran)`
    );
  } catch (err) {
    return `no history: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function describeJob(o: JobOutcome, pods: number): string {
  const rate = o.succeeded > 0 ? `${(o.succeeded / o.secs).toFixed(1)} pods/s` : 'no rate';
  const hist =
    (o.runs !== undefined
      ? `; ${o.runs} run(s), largest history ${o.historyEvents} events / ${((o.historyBytes ?? 0) / 1024).toFixed(0)} KiB` +
        (o.runs > 1 ? `, mean ${((o.totalEvents ?? 0) / o.runs).toFixed(0)} events / ${((o.totalBytes ?? 0) / 1024 / o.runs).toFixed(0)} KiB per run` : '')
      : '') +
    (o.trips !== undefined ? `; ${o.trips}` : '');
  return `${o.secs.toFixed(1)} s, ${rate}, succeeded=${o.succeeded}/${pods} failed=${o.failed}, ${o.ended}${hist}`;
}

async function podsCase(
  jobs: JobsClient,
  pods: number,
  mode: Spawn,
  opts: { indexed?: boolean; workers?: number; label?: string; timeoutS?: number; canEvents?: number } = {},
): Promise<number> {
  const workers = await startWorkers(opts.workers ?? 1, 100, mode);
  const sampler = new Sampler(workers.pids);
  const cpu = new CpuMeter(workers.pids);
  try {
    const name = `bench-${jobSeq++}`;
    const o = await runJob(jobs, manifest(name, { completions: pods, parallelism: 100, indexed: opts.indexed, command: ['true'] }), opts.timeoutS, opts.canEvents);
    sampler.stop();
    const used = cpu.report();
    const base = await xargsBaseline(Math.min(pods, 10_000), 100);
    const rate = o.succeeded > 0 ? o.succeeded / o.secs : 0;
    say(
      `${(opts.label ?? `${pods} pods p=100`).padEnd(30)} [spawn: ${mode}] ${describeJob(o, pods)} | ` +
        `baseline xargs -P 100 bwrap x${Math.min(pods, 10_000)}: ${base.secs.toFixed(1)} s, ${base.rate.toFixed(0)}/s -> ${((100 * rate) / base.rate).toFixed(0)}% | ` +
        `${sampler.rss()} | ${used} | ${load()}`,
    );
    return rate;
  } finally {
    sampler.stop();
    await workers.stop();
    for (const peak of workers.peaks) say(`  worker at its peak: ${peak}`);
  }
}

async function latencyCase(jobs: JobsClient): Promise<void> {
  const dir = path.join(home, 'latency');
  fs.mkdirSync(dir);
  // The pods write their start time there: shared on purpose, as `jobctl worker --share-path` does.
  const workers = await startWorkers(1, 100, 'launcher', [dir]);
  try {
    const samples: number[] = [];
    // The first Job warms the worker (workflow cache, launcher, sandbox probe) and is not counted.
    for (let i = 0; i <= 10; i++) {
      const mark = path.join(dir, String(i));
      const t0 = Date.now();
      const o = await runJob(jobs, manifest(`bench-lat-${jobSeq++}`, { completions: 1, parallelism: 1, command: ['sh', '-c', `date +%s%3N > ${mark}`] }), 120);
      if (o.succeeded !== 1) throw new Error(`latency Job: ${o.ended}`);
      if (i > 0) samples.push(Number(fs.readFileSync(mark, 'utf8').trim()) - t0);
    }
    samples.sort((a, b) => a - b);
    const p50 = samples[Math.floor(samples.length / 2)] ?? NaN;
    say(`submit -> first pod process       p50 ${p50} ms over ${samples.length} Jobs (min ${samples[0]}, max ${samples[samples.length - 1]}) | goal 150 ms | ${load()}`);
  } finally {
    await workers.stop();
  }
}

/**
 * The width baseline: 1,000 `sleep` sandboxes started by `xargs -P 1000`, the same bwrap command as the
 * pods'. Each sleeps 30 s, so how many run at once says how fast this machine starts sandboxes now.
 */
async function xargsWidth(): Promise<string> {
  const support = await sandboxSupport();
  if (!support.ok) return `no bwrap sandbox here: ${support.reason}`;
  const word = `30.${process.pid}${(Date.now() + 1) % 100000}`;
  const cmd = sandboxArgv({ bwrap: support.bwrap, env: support.env, root: listHostRoot(), mounts: [], file: 'sleep', args: [word] });
  const args = cmd.args.filter((a, i, all) => a !== '--info-fd' && all[i - 1] !== '--info-fd');
  const sampler = new Sampler([], word);
  const t0 = Date.now();
  await new Promise<void>((resolve, reject) => {
    // xargs appends each item to the command: `sleep <word> 0` sleeps just as long.
    const x = spawn('xargs', ['-P', '1000', '-n', '1', cmd.file, ...args], { stdio: ['pipe', 'ignore', 'inherit'] });
    x.stdin.end('0\n'.repeat(1000));
    live.add(x);
    x.once('error', reject);
    x.once('exit', () => {
      live.delete(x);
      resolve();
    });
  });
  sampler.stop();
  return `baseline xargs -P 1000 bwrap sleep 30 x1000: ${((Date.now() - t0) / 1000).toFixed(1)} s, at most ${sampler.maxRunning} at once (${[...sampler.reached].map(([n, t]) => `${n} after ${t.toFixed(0)} s`).join(', ')})`;
}

async function p1000Case(jobs: JobsClient): Promise<void> {
  const workers = await startWorkers(1, 1000, 'launcher');
  const word = `30.${process.pid}${Date.now() % 100000}`;
  const sampler = new Sampler(workers.pids, word);
  const cpu = new CpuMeter(workers.pids);
  try {
    const o = await runJob(jobs, manifest(`bench-p1000-${jobSeq++}`, { completions: 1000, parallelism: 1000, command: ['sleep', word] }), Math.min(TIMEOUT_S, 600));
    sampler.stop();
    const base = await xargsWidth();
    say(`1000 pods p=1000 (sleep 30)        ${describeJob(o, 1000)} | at most ${sampler.maxRunning} of 1000 pods running at once (${[...sampler.reached].map(([n, t]) => `${n} after ${t.toFixed(0)} s`).join(', ')}) | ${base} | ${sampler.rss()} | ${cpu.report()} | ${load()}`);
  } finally {
    sampler.stop();
    await workers.stop();
    for (const peak of workers.peaks) say(`  worker at its peak: ${peak}`);
  }
}

async function main(): Promise<void> {
  say(`scale bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; cases ${[...cases].join(' ')}; ${load()}`);
  say(`workers: node ${WORKER_NODE_FLAGS.join(' ')}; env ${Object.entries(WORKER_ENV).map(([k, v]) => `${k}=${v}`).join(' ') || '(none added)'}`);
  server = await startEmbeddedServer({ dataDir: path.join(home, 'server') });
  const bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), preloadModules: preloadedWorkflowModules(), logger: quiet() });
  bundlePath = path.join(home, 'workflows.js');
  fs.writeFileSync(bundlePath, bundle.code);
  const jobs = new JobsClient(server.env.client);

  if (cases.has('xargs')) {
    for (const n of [1000, 10_000]) {
      const b = await xargsBaseline(n, 100);
      say(`baseline: xargs -P 100 bwrap true x${n}: ${b.secs.toFixed(1)} s, ${b.rate.toFixed(0)}/s | ${load()}`);
    }
  }
  for (const mode of spawnModes) {
    if (cases.has('1k')) await podsCase(jobs, 1000, mode);
    if (cases.has('10k')) await podsCase(jobs, 10_000, mode);
  }
  if (cases.has('latency')) await latencyCase(jobs);
  if (cases.has('p1000')) await p1000Case(jobs);
  if (cases.has('workers')) {
    const one = await podsCase(jobs, 2000, 'launcher', { workers: 1, label: '2000 pods p=100, 1 worker' });
    const two = await podsCase(jobs, 2000, 'launcher', { workers: 2, label: '2000 pods p=100, 2 workers' });
    say(`2 workers / 1 worker: x${(two / one).toFixed(2)}`);
  }
  const big = [false, true].filter((indexed) => cases.has('100k') || cases.has(indexed ? '100k-indexed' : '100k-nonindexed'));
  if (big.length > 0) {
    const ref = await podsCase(jobs, 1000, 'launcher', { label: '1000 pods p=100 (reference)' });
    for (const indexed of big) {
      const label = `${BIG_COMPLETIONS} ${indexed ? 'Indexed' : 'NonIndexed'} p=100${CAN_EVENTS !== undefined ? ` (continue-as-new at ${CAN_EVENTS} events)` : ''}`;
      const rate = await podsCase(jobs, BIG_COMPLETIONS, 'launcher', { indexed, label, timeoutS: BIG_TIMEOUT_S, canEvents: CAN_EVENTS });
      say(`  -> ${ref > 0 ? ((100 * rate) / ref).toFixed(0) : '?'}% of the 1,000-pod rate (flat cost: 80% or more)`);
    }
  }
}

function quiet(): Parameters<typeof bundleWorkflowCode>[0]['logger'] {
  const none = (): void => undefined;
  return { log: none, trace: none, debug: none, info: none, warn: none, error: none };
}

async function cleanup(): Promise<void> {
  for (const c of live) c.kill('SIGKILL');
  await server?.teardown().catch(() => undefined);
  fs.rmSync(home, { recursive: true, force: true });
}

process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
