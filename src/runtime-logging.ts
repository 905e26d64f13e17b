// The process's Temporal runtime: its logger and its Prometheus endpoint. The SDK has one runtime per
// process, created on first use, so whoever wants metrics or a quieter logger must install it before
// any NativeConnection or Worker exists.
import net from 'node:net';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { POD_DURATION_BUCKETS_S } from './activities/pod-metrics';

export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface RuntimeSettings {
  /** The SDK's own log level; WARN by default, as the SDK logs every worker state change at INFO. */
  logLevel?: LogLevel;
  /** `HOST:PORT` for a Prometheus endpoint (`/metrics`) with the SDK's and durable-jobs' metrics. */
  metricsAddress?: string;
  logFormat?: LogFormat;
  /** Where log lines go; stderr by default. */
  write?: (line: string) => void;
}

/**
 * Installs the runtime unless something already created it; false then (and the settings are not
 * applied). Asking for metrics of a runtime created without them is an error: the endpoint would
 * silently be missing.
 */
export function installRuntime(s: RuntimeSettings = {}): boolean {
  if (Runtime._instance) {
    if (s.metricsAddress !== undefined) throw new Error('the Temporal runtime of this process was created before its metrics address was set');
    return false;
  }
  const write = s.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const format = s.logFormat ?? 'text';
  const logger = new DefaultLogger(s.logLevel ?? 'WARN', format === 'json' ? (e) => write(jsonLogLine(e)) : undefined);
  Runtime.install({
    logger,
    telemetryOptions: {
      // The SDK core's own lines through `logger` too (to stderr): left to the core, they went to stdout,
      // into the pod output of `jobctl run` (seen under load: "WARN temporalio_sdk_core::worker::workflow::
      // workflow_stream: There were leftover buffered tasks when evicting run").
      logging: { forward: {} },
      ...(s.metricsAddress !== undefined
        ? {
            // Durations in seconds, as Prometheus conventions ask; counters keep the SDK's names.
            metrics: {
              prometheus: {
                bindAddress: checkAddress(s.metricsAddress),
                useSecondsForDurations: true,
                histogramBucketOverrides: { durable_jobs_pod_duration: POD_DURATION_BUCKETS_S },
              },
            },
          }
        : {}),
    },
  });
  return true;
}

/** Installs a quieter SDK logger unless something already created the runtime. */
export function quietSdkLogs(level: LogLevel = 'WARN'): void {
  installRuntime({ logLevel: level });
}

/** One log line for shippers: `{"time","level","msg",...fields}`; fields never replace the first three. */
export function formatJsonLog(time: Date, level: string, msg: string, fields?: Record<string, unknown>): string {
  const rest = Object.fromEntries(Object.entries(fields ?? {}).filter(([k]) => k !== 'time' && k !== 'level' && k !== 'msg'));
  const head = { time: time.toISOString(), level: level.toLowerCase(), msg };
  try {
    // SDK log metadata may hold bigints (ids, timestamps), which JSON has no literal for.
    return JSON.stringify({ ...head, ...rest }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    // A circular value: the line still goes out, without its fields.
    return JSON.stringify(head);
  }
}

export type WorkerLogLevel = 'error' | 'warn' | 'info' | 'debug';
export const WORKER_LOG_LEVELS: readonly WorkerLogLevel[] = ['error', 'warn', 'info', 'debug'];

/** The SDK's level for a worker log level: its INFO lines (every worker state change) only at debug. */
export function sdkLogLevel(level: WorkerLogLevel): LogLevel {
  return level === 'debug' ? 'DEBUG' : level === 'error' ? 'ERROR' : 'WARN';
}

/**
 * The worker's `log` (createJobWorker): lines with fields are per-pod info lines, printed at `info`
 * and `debug`; lines without are notes (warnings), printed unless the level is `error`.
 */
export function workerLog(o: { level: WorkerLogLevel; format: LogFormat; write: (line: string) => void; now?: () => Date }): (message: string, fields?: object) => void {
  const rank = WORKER_LOG_LEVELS.indexOf(o.level);
  return (message, fields) => {
    const level: WorkerLogLevel = fields ? 'info' : 'warn';
    if (WORKER_LOG_LEVELS.indexOf(level) > rank) return;
    o.write(o.format === 'json' ? formatJsonLog(o.now?.() ?? new Date(), level, message, fields as Record<string, unknown> | undefined) : message);
  };
}

function jsonLogLine(e: LogEntry): string {
  const time = new Date(Number(e.timestampNanos / 1_000_000n));
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.meta ?? {})) meta[k] = v instanceof Error ? v.message : v;
  return formatJsonLog(time, e.level, e.message, meta);
}

/** `IP:PORT` (the SDK takes no host names), checked here: the SDK's own error says little. */
export function checkAddress(address: string): string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(address);
  const ip = m ? (m[1] ?? m[2]) : undefined;
  const ok = m !== null && ip !== undefined && net.isIP(ip) === (m[1] !== undefined ? 6 : 4) && Number(m[3]) <= 65535;
  if (!ok) throw new Error(`metrics address "${address}" is not IP:PORT (e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464)`);
  return address;
}
