// `kubectl get jobs` and `kubectl get pods` tables: the cells of kubectl's printJob and printPod
// (pkg/printers/internalversion/printers.go), laid out by the same tabwriter settings.
import { finishedCondition, trueCondition, type Job, type JobStatus, type JobWithStatus, type PodRecord } from '../../client';
import type { KubeContainerStatus } from './kube-container-status';
import { kubePod, type KubePod } from './kube-pod';
import { formatLabelSelector, sortedKeys } from './selector';
import { TABLE_TABWRITER, tabwrite } from './tabwriter';
import { parseTime } from './time';

/**
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration: about two significant figures. Go converts with
 * truncation toward zero, so -1.5s is still "0s" (tolerated clock skew) and only -2s is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** printers.go translateTimestampSince: `<unknown>` for a missing time. */
export function timeSince(timestamp: string | undefined, now: number): string {
  const at = parseTime(timestamp);
  return at === undefined ? '<unknown>' : humanDuration(now - at);
}

export interface TableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  /** Epoch ms that ages are measured against. */
  now: number;
  /** `--show-labels`: a last LABELS column. */
  showLabels?: boolean;
  /** `--no-headers`, and the rows `get --watch` prints after the first listing. */
  noHeaders?: boolean;
}

/** The LABELS column of `--show-labels` (labels.FormatLabels): `k=v` sorted by key, or `<none>`. */
export function labelsColumn(labels: Record<string, string> | undefined): string {
  const keys = sortedKeys(labels);
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** The header (column names upper-cased, as the table printer does) and rows through kubectl's tabwriter. */
export function renderTable(header: string[], rows: string[][], noHeaders = false): string {
  if (rows.length === 0) return '';
  // A cell is printed up to its first line break, then "..." (tableprinter printRows).
  const cell = (text: string): string => {
    const cut = text.search(/[\f\n\r]/);
    return cut < 0 ? text : `${text.slice(0, cut)}...`;
  };
  const text = [...(noHeaders ? [] : [header.map((h) => h.toUpperCase())]), ...rows].map((r) => r.map(cell).join('\t')).join('\n');
  return tabwrite(`${text}\n`, TABLE_TABWRITER);
}

/** The STATUS column of `kubectl get jobs` (kubectl 1.31+). SuccessCriteriaMet alone still reads Running. */
export function jobStatusColumn(job: JobWithStatus): string {
  return statusColumn(job.status, Boolean((job.metadata as { deletionTimestamp?: string }).deletionTimestamp));
}

/** printers.go's STATUS rule on a status alone (`terminating`: the Job has a deletionTimestamp). */
export function statusColumn(status: Pick<JobStatus, 'conditions'>, terminating = false): string {
  const finished = finishedCondition(status);
  if (finished) return finished.type;
  if (terminating) return 'Terminating';
  if (trueCondition(status, 'Suspended')) return 'Suspended';
  if (trueCondition(status, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsColumn(job: JobWithStatus): string {
  const { completions, parallelism } = job.spec;
  if (completions !== null) return `${job.status.succeeded}/${completions}`;
  return parallelism > 1 ? `${job.status.succeeded}/1 of ${parallelism}` : `${job.status.succeeded}/1`;
}

function durationColumn(job: JobWithStatus, now: number): string {
  const start = parseTime(job.status.startTime);
  if (start === undefined) return '';
  const end = parseTime(job.status.completionTime);
  return humanDuration((end ?? now) - start);
}

/** layoutContainerCells: container names and images, comma-separated. */
function containerCells(job: Job): [string, string] {
  const containers = job.spec.template.spec.containers;
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image ?? '').join(',')];
}

/** `kubectl get jobs` output; "" for no jobs (the caller prints kubectl's "No resources found" line). */
export function jobsTable(jobs: JobWithStatus[], opts: TableOptions): string {
  const header = ['Name', 'Status', 'Completions', 'Duration', 'Age'];
  if (opts.wide) header.push('Containers', 'Images', 'Selector');
  if (opts.showLabels) header.push('Labels');
  if (opts.allNamespaces) header.unshift('Namespace');
  const rows = jobs.map((job) => {
    const row = [
      job.metadata.name,
      jobStatusColumn(job),
      completionsColumn(job),
      durationColumn(job, opts.now),
      timeSince(job.metadata.creationTimestamp, opts.now),
    ];
    if (opts.wide) row.push(...containerCells(job), formatLabelSelector(job.spec.selector));
    if (opts.showLabels) row.push(labelsColumn(job.metadata.labels));
    if (opts.allNamespaces) row.unshift(job.metadata.namespace);
    return row;
  });
  return renderTable(header, rows, opts.noHeaders);
}

// ---- pods: a port of printPod over the pod as toKubePod describes it ----

export interface PodRow {
  name: string;
  ready: string;
  status: string;
  restarts: string;
  age: string;
  ip: string;
  node: string;
  nominatedNode: string;
  readinessGates: string;
}

function isTerminalPhase(phase: string): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function conditionTrue(pod: KubePod, type: string): boolean {
  return (pod.status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Later of two optional timestamps (epoch ms), as printPod's lastRestartDate.Before comparisons keep. */
function later(a: number | undefined, b: string | null | undefined): number | undefined {
  const t = parseTime(b ?? undefined);
  if (t === undefined) return a;
  return a === undefined || t > a ? t : a;
}

/** The cells kubectl's printPod computes for one pod. Init containers here are never sidecars (no restartPolicy Always). */
export function podRow(pod: KubePod, now: number): PodRow {
  let restarts = 0;
  let lastRestart: number | undefined;
  const totalContainers = pod.spec.containers.length;
  let readyContainers = 0;
  let reason: string = pod.status.reason || pod.status.phase;

  const initStatuses: KubeContainerStatus[] = pod.status.initContainerStatuses ?? [];
  const initCount = (pod.spec.initContainers ?? []).length;
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount;
    lastRestart = later(lastRestart, c.lastState.terminated?.finishedAt);
    const t = c.state.terminated;
    if (t && t.exitCode === 0) continue;
    if (t) {
      if (!t.reason) reason = t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
      else reason = `Init:${t.reason}`;
    } else if (c.state.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    // Only sidecar (restartable) init containers count once the pod is initialized; there are none here.
    restarts = 0;
    lastRestart = undefined;
    let hasRunning = false;
    const statuses = pod.status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount;
      lastRestart = later(lastRestart, c.lastState.terminated?.finishedAt);
      const t = c.state.terminated;
      if (c.state.waiting?.reason) reason = c.state.waiting.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (c.ready && c.state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && pod.status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !isTerminalPhase(pod.status.phase)) reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return {
    name: pod.metadata.name,
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsCell,
    age: timeSince(pod.metadata.creationTimestamp, now),
    // Pods run as local processes: there is no pod IP, and nothing is ever nominated or gated.
    ip: '<none>',
    node: pod.spec.nodeName || '<none>',
    nominatedNode: '<none>',
    readinessGates: '<none>',
  };
}

/** `kubectl get pods` output for pods of Jobs; "" when there are none. */
export function podsTable(rows: Array<{ job: Job; pod: PodRecord }>, opts: TableOptions): string {
  const header = ['Name', 'Ready', 'Status', 'Restarts', 'Age'];
  if (opts.wide) header.push('IP', 'Node', 'Nominated Node', 'Readiness Gates');
  if (opts.showLabels) header.push('Labels');
  if (opts.allNamespaces) header.unshift('Namespace');
  const cells = rows.map(({ job, pod }) => {
    const kube = kubePod(job, pod);
    const r = podRow(kube, opts.now);
    const row = [r.name, r.ready, r.status, r.restarts, r.age];
    if (opts.wide) row.push(r.ip, r.node, r.nominatedNode, r.readinessGates);
    if (opts.showLabels) row.push(labelsColumn(kube.metadata.labels));
    if (opts.allNamespaces) row.unshift(job.metadata.namespace);
    return row;
  });
  return renderTable(header, cells, opts.noHeaders);
}
