// `kubectl get events`: the Job events the controller records, as core/v1 Events of the Job (printEvent in
// kubectl's printers.go) and as the objects `-o json|yaml` print.
import type { EventRow } from '../../client';
import { canonical, type KubeObject } from './kube-object';
import { renderTable, timeSince } from './tables';
import { kubeTime, parseTime } from './time';

const SOURCE = 'job-controller';

/** Oldest first by last occurrence, as `kubectl events` orders them (and `kubectl get events --sort-by=.lastTimestamp`). */
export function sortEvents(rows: EventRow[]): EventRow[] {
  return [...rows].sort((a, b) => (parseTime(a.event.lastTimestamp) ?? 0) - (parseTime(b.event.lastTimestamp) ?? 0));
}

/** The API server names an event `<object>.<first-seen in hex nanoseconds>`; ours are named the same way. */
export function eventName(row: EventRow): string {
  const ms = Date.parse(row.event.firstTimestamp);
  const nanos = BigInt(Number.isNaN(ms) ? 0 : ms) * 1_000_000n;
  return `${row.job.metadata.name}.${nanos.toString(16)}`;
}

export function toKubeEvent(row: EventRow): KubeObject {
  const { job, event } = row;
  return canonical({
    apiVersion: 'v1',
    kind: 'Event',
    count: event.count,
    firstTimestamp: kubeTime(event.firstTimestamp),
    lastTimestamp: kubeTime(event.lastTimestamp),
    involvedObject: { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, namespace: job.metadata.namespace, uid: job.metadata.uid },
    message: event.message,
    metadata: { creationTimestamp: kubeTime(event.firstTimestamp), name: eventName(row), namespace: job.metadata.namespace },
    reason: event.reason,
    reportingComponent: SOURCE,
    reportingInstance: '',
    source: { component: SOURCE },
    type: event.type,
  }) as KubeObject;
}

/** printEvent's columns: LAST SEEN (with `(xN over AGE)` for a folded repeat), TYPE, REASON, OBJECT, MESSAGE. */
export function eventsTable(rows: EventRow[], opts: { now: number; wide?: boolean; allNamespaces?: boolean; noHeaders?: boolean }): string {
  const header = opts.wide
    ? ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name']
    : ['Last Seen', 'Type', 'Reason', 'Object', 'Message'];
  if (opts.allNamespaces) header.unshift('Namespace');
  const cells = rows.map((row) => {
    const { job, event } = row;
    const first = timeSince(event.firstTimestamp, opts.now);
    let last = timeSince(event.lastTimestamp, opts.now);
    if (event.count > 1) last = `${last} (x${event.count} over ${first})`;
    const object = `job/${job.metadata.name}`;
    const cells = opts.wide
      ? [last, event.type, event.reason, object, '', SOURCE, event.message.trim(), first, String(event.count), eventName(row)]
      : [last, event.type, event.reason, object, event.message.trim()];
    if (opts.allNamespaces) cells.unshift(job.metadata.namespace);
    return cells;
  });
  return renderTable(header, cells, opts.noHeaders);
}
