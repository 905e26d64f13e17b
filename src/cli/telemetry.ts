// The options every worker-running verb shares (`worker`, `run`, `dev`): the Prometheus endpoint and
// the log format and level. They install the process's Temporal runtime, so they run before any
// server or connection exists.
import { Command, Option } from 'commander';
// Types only: every verb registers these options, and only the worker verbs may load the SDK's worker.
import type { LogFormat, WorkerLog, WorkerLogLevel, WorkerTracing } from '../worker';
import { CliError, type Output } from './output';

// Checked against the worker's own lists by the compiler (and by test/cli-telemetry.test.ts at run time).
export const LOG_FORMAT_CHOICES = ['text', 'json'] as const satisfies readonly LogFormat[];
export const LOG_LEVEL_CHOICES = ['error', 'warn', 'info', 'debug'] as const satisfies readonly WorkerLogLevel[];

export interface TelemetryOptions {
  metricsAddress?: string;
  logFormat: LogFormat;
  logLevel?: WorkerLogLevel;
  /** OTLP/HTTP traces URL; else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT; else no tracing. */
  otlpEndpoint?: string;
}

/** `defaultLevel`: `info` for a long-running worker (a line per pod), `warn` for `run` (its pods' output is the point). */
export function addTelemetryOptions(cmd: Command, defaultLevel: WorkerLogLevel): Command {
  return cmd
    .option('--metrics-address <ip:port>', "serve Prometheus metrics (the SDK worker's and durable_jobs_*) at http://IP:PORT/metrics (e.g. 127.0.0.1:9464)")
    .addOption(new Option('--log-format <format>', 'worker log lines: text, or json (one object per line: time, level, msg, fields)').choices([...LOG_FORMAT_CHOICES]).default('text'))
    .addOption(
      new Option('--log-level <level>', `error, warn (notes), info (+ a line per pod start and end), debug (+ the SDK's own info); default ${defaultLevel}`).choices([
        ...LOG_LEVEL_CHOICES,
      ]),
    )
    .option(
      '--otlp-endpoint <url>',
      'send OpenTelemetry spans of workflows and pods over OTLP/HTTP to URL (e.g. http://127.0.0.1:4318/v1/traces); default $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; off when none is set',
    );
}

export interface Telemetry {
  /** The worker's log (createJobWorker's `log`). */
  log: WorkerLog;
  /** A start-up line (the banner): as it is, or a JSON info line with --log-format json. */
  say(message: string): void;
  /** The worker's tracing (createJobWorker's `tracing`), when an OTLP endpoint is set. */
  tracing?: WorkerTracing;
}

/** Installs the runtime with the options and says where the metrics are. */
export async function startTelemetry(o: TelemetryOptions, defaultLevel: WorkerLogLevel, out: Output): Promise<Telemetry> {
  const { checkAddress, formatJsonLog, installRuntime, sdkLogLevel, startTracing, tracingSettings, workerLog } = await import('../worker');
  if (o.metricsAddress !== undefined) {
    try {
      checkAddress(o.metricsAddress);
    } catch (err) {
      throw new CliError(`error: --metrics-address: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let traces;
  try {
    traces = tracingSettings(o.otlpEndpoint);
  } catch (err) {
    throw new CliError(`error: --otlp-endpoint: ${err instanceof Error ? err.message : String(err)}`);
  }
  // DURABLE_JOBS_LOG_LEVEL=debug keeps working as before.
  const level = o.logLevel ?? (process.env.DURABLE_JOBS_LOG_LEVEL === 'debug' ? 'debug' : defaultLevel);
  const format = o.logFormat;
  const write = (line: string): void => out.info(line);
  installRuntime({ logLevel: sdkLogLevel(level), logFormat: format, write, ...(o.metricsAddress !== undefined ? { metricsAddress: o.metricsAddress } : {}) });
  const log = workerLog({ level, format, write });
  const say = (m: string): void => write(format === 'json' ? formatJsonLog(new Date(), 'info', m) : m);
  if (o.metricsAddress !== undefined) say(`Prometheus metrics: http://${o.metricsAddress}/metrics`);
  if (traces === undefined) return { log, say };
  say(`OpenTelemetry traces: ${traces.endpoint}`);
  return { log, say, tracing: startTracing(traces) };
}
