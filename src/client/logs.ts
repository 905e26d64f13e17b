// Which pod and containers `logs` reads, and where their text comes from: the full log file when the pod
// ran on this host (same data dir), else the tail that travelled with the pod's record through Temporal.
import fs from 'node:fs';
import type { ContainerResult } from '../api/pod';
import type { Job } from '../api/types';
import { isPodLogFile, podLogFile } from '../data-dir/layout';
import type { PodRecord } from '../workflows/messages';

export interface LogOptions {
  /** `-c`: one container (or init container) by name. */
  container?: string;
  /** `--all-containers`: init containers first, then the containers. */
  allContainers?: boolean;
  /** `--previous`: the run before the latest in-place restart. */
  previous?: boolean;
  /** `--tail`: the last N lines; negative or undefined for all. */
  tail?: number;
  /** The data dir of a worker on this host, where full logs can be read. */
  dataDir?: string;
}

export interface ContainerLog {
  pod: string;
  container: string;
  text: string;
  /** `file`: the whole log from this host; `record`: the tail kept in Temporal (maybe cut, see `truncated`). */
  source: 'file' | 'record';
  truncated: boolean;
}

export interface PodLogs {
  logs: ContainerLog[];
  /** Things kubectl would print on stderr (e.g. which container was defaulted). */
  notes: string[];
}

/** kubectl's BadRequest answers for logs. */
export class LogsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogsError';
  }
}

/**
 * The pod `kubectl logs job/NAME` picks: the most active first (running before finished), then fewer
 * restarts, then the oldest (kubectl's GetFirstPod sorts by reverse ActivePods).
 */
export function firstPod(pods: readonly PodRecord[]): PodRecord | undefined {
  const rank = (p: PodRecord) => (p.running ? 2 : p.phase === 'Pending' ? 0 : 1);
  return [...pods].sort(
    (a, b) => rank(b) - rank(a) || a.restartCount - b.restartCount || Date.parse(a.creationTimestamp) - Date.parse(b.creationTimestamp),
  )[0];
}

export function tailLines(text: string, lines: number | undefined): string {
  if (lines === undefined || lines < 0) return text;
  if (lines === 0) return '';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const all = body.split('\n');
  const kept = all.slice(Math.max(0, all.length - lines)).join('\n');
  return text.endsWith('\n') ? `${kept}\n` : kept;
}

function readWhole(file: string): string | undefined {
  try {
    // Decoded as one: the rotation falls between two writes, which may cut a character in two.
    const rotated = fs.existsSync(`${file}.1`) ? fs.readFileSync(`${file}.1`) : Buffer.alloc(0);
    return Buffer.concat([rotated, fs.readFileSync(file)]).toString('utf8');
  } catch {
    return undefined;
  }
}

function containerNames(job: Job): { init: string[]; main: string[] } {
  const spec = job.spec.template.spec;
  return { init: (spec.initContainers ?? []).map((c) => c.name), main: spec.containers.map((c) => c.name) };
}

export function podLogs(job: Job, pod: PodRecord, opts: LogOptions): PodLogs {
  const names = containerNames(job);
  const notes: string[] = [];
  let wanted: string[];
  if (opts.allContainers) wanted = [...names.init, ...names.main];
  else if (opts.container !== undefined) {
    if (![...names.init, ...names.main].includes(opts.container)) throw new LogsError(`error: container ${opts.container} is not valid for pod ${pod.name}`);
    wanted = [opts.container];
  } else {
    wanted = [names.main[0]];
    if (names.main.length + names.init.length > 1) {
      const all = [...names.main, ...names.init.map((n) => `${n} (init)`)];
      notes.push(`Defaulted container "${names.main[0]}" out of: ${all.join(', ')}`);
    }
  }

  const results = opts.previous ? pod.previousContainers : pod.containers;
  const restartCount = opts.previous ? pod.restartCount - 1 : pod.restartCount;
  const logs: ContainerLog[] = [];
  for (const name of wanted) {
    const rec: ContainerResult | undefined = results?.find((c) => c.name === name);
    if (opts.previous && !rec) {
      if (opts.allContainers) continue;
      throw new LogsError(`Error from server (BadRequest): previous terminated container "${name}" in pod "${pod.name}" not found`);
    }
    // The record's path only when it is this container run's log (issue 15: a forged one named /etc/passwd).
    const recorded = rec?.logFile !== undefined && isPodLogFile(rec.logFile, job.metadata.namespace, pod.name, name, restartCount) ? rec.logFile : undefined;
    const file = recorded ?? (opts.dataDir && restartCount >= 0 ? podLogFile(opts.dataDir, job.metadata.namespace, pod.name, name, restartCount) : undefined);
    // A path from another host simply does not exist here, and the record's tail is used instead.
    const whole = file ? readWhole(file) : undefined;
    if (whole !== undefined) {
      logs.push({ pod: pod.name, container: name, text: tailLines(whole, opts.tail), source: 'file', truncated: false });
    } else if (rec) {
      logs.push({ pod: pod.name, container: name, text: tailLines(rec.logTail, opts.tail), source: 'record', truncated: rec.logTruncated });
    } else if (pod.phase === 'Pending' || !pod.running) {
      if (opts.allContainers) continue;
      throw new LogsError(`Error from server (BadRequest): container "${name}" in pod "${pod.name}" is waiting to start: ContainerCreating`);
    } else {
      notes.push(
        `pod ${pod.name} is running on worker ${pod.worker ?? '(unknown)'}; its log can be read there (or followed with -f) and reaches Temporal when the pod finishes`,
      );
    }
  }
  return { logs, notes };
}
