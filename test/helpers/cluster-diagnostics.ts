// What a failed or stalled cluster e2e prints, so that the next stall explains itself: each worker host's
// last log lines and whether it runs, who polls the task queue, each Job workflow's pending activities
// and its last history events with their summaries (a backoff timer says "backoff 360s before retry 10"),
// and the server's last errors.
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export interface DiagnosticsInput {
  address: string;
  namespace: string;
  taskQueue: string;
  workflowIds: string[];
  /** Host name to its log file and a word on its process ("running, pid 123" / "exited 1"). */
  hosts: Array<{ name: string; logFile: string; state: string }>;
  serverLog?: string;
}

const LAST_LINES = 15;
const LAST_EVENTS = 15;

function tail(file: string, lines: number, keep: (line: string) => boolean = () => true): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '' && keep(l)).slice(-lines);
  } catch (err) {
    return [`(cannot read ${file}: ${err instanceof Error ? err.message : String(err)})`];
  }
}

const time = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): string =>
  t?.seconds != null ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString().slice(11, 23) : '-';

function summaryOf(event: temporal.api.history.v1.IHistoryEvent): string {
  const payload = event.userMetadata?.summary;
  if (!payload) return '';
  try {
    return ` "${String(defaultPayloadConverter.fromPayload(payload))}"`;
  } catch {
    return '';
  }
}

async function temporalSide(o: DiagnosticsInput, out: string[]): Promise<void> {
  const connection = await Connection.connect({ address: o.address, connectTimeout: 5_000 });
  try {
    const client = new Client({ connection, namespace: o.namespace });
    for (const [kind, type] of [
      ['workflow', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
      ['activity', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
    ] as const) {
      const tq = await connection.workflowService.describeTaskQueue({ namespace: o.namespace, taskQueue: { name: o.taskQueue }, taskQueueType: type });
      const pollers = (tq.pollers ?? []).map((p) => `${p.identity} (last ${time(p.lastAccessTime)})`);
      out.push(`${kind} pollers on "${o.taskQueue}": ${pollers.join(', ') || 'none'}`);
    }
    for (const workflowId of o.workflowIds) {
      const handle = client.workflow.getHandle(workflowId);
      const d = await handle.describe();
      const pending = d.raw.pendingActivities ?? [];
      out.push(`${workflowId}: ${d.status.name}, ${d.historyLength} events, ${pending.length} pending activities`);
      for (const a of pending.slice(0, 20)) {
        out.push(
          `  activity ${a.activityId} ${temporal.api.enums.v1.PendingActivityState[a.state ?? 0]} attempt ${a.attempt} on ${a.lastWorkerIdentity || '-'}, started ${time(a.lastStartedTime)}, heartbeat ${time(a.lastHeartbeatTime)}${a.lastFailure?.message ? `, last failure: ${a.lastFailure.message}` : ''}`,
        );
      }
      const events = (await handle.fetchHistory()).events ?? [];
      out.push(`  last ${Math.min(LAST_EVENTS, events.length)} events:`);
      for (const e of events.slice(-LAST_EVENTS)) {
        out.push(`    ${e.eventId} ${time(e.eventTime)} ${temporal.api.enums.v1.EventType[e.eventType ?? 0]}${summaryOf(e)}`);
      }
    }
  } finally {
    await connection.close();
  }
}

/** A report to print; never throws, and gives up on the server's side after `timeoutMs`. */
export async function clusterDiagnostics(o: DiagnosticsInput, timeoutMs = 60_000): Promise<string> {
  const out: string[] = [];
  for (const h of o.hosts) {
    out.push(`${h.name} (${h.state}), last lines of ${h.logFile}:`);
    for (const l of tail(h.logFile, LAST_LINES)) out.push(`  ${l}`);
  }
  if (o.serverLog) {
    out.push(`server, last warnings and errors in ${o.serverLog}:`);
    for (const l of tail(o.serverLog, 8, (line) => /"level":"(warn|error|fatal)"/.test(line) || !line.startsWith('{'))) out.push(`  ${l.slice(0, 400)}`);
  }
  const server: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      temporalSide(o, server),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs))),
    ]);
  } catch (err) {
    server.push(`(from the server: ${err instanceof Error ? err.message : String(err)})`);
  } finally {
    clearTimeout(timer);
  }
  return [...out, ...server].join('\n');
}
