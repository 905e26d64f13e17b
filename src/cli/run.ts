// `jobctl run FILE`: the one-shot. Validate, start (or reach) Temporal, run a worker in this process,
// submit the Job, follow it while its pods' output streams to stdout, and exit 0 for Complete or 1 for
// Failed.
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import {
  AlreadyExistsError,
  ConnectionError,
  JobsClient,
  clientFor,
  connect,
  connectionOptions,
  finishedCondition,
  parseManifests,
  settingsFromEnv,
  type Job,
  type JobEvent,
  type JobResult,
  type JobStatus,
} from '../client';
import { createJobWorker, defaultDataDir, secretsDirFor, startEmbeddedServer, type EmbeddedServer } from '../worker';
import { statusColumn } from './format/tables';
import { readDevServerInfo } from './dev-info';
import { readManifestText } from './manifest-input';
import { colorsFor, CliError, type Output } from './output';
import { streamPodLogs, type PodLogStream } from './run-logs';
import { startTelemetry, type TelemetryOptions } from './telemetry';

export interface RunOptions {
  dataDir?: string;
  out: Output;
  /** --metrics-address, --log-format, --log-level (src/cli/telemetry.ts). */
  telemetry?: TelemetryOptions;
}

export function readManifestFile(file: string): string {
  return readManifestText(file);
}

export function loadSingleJob(file: string): Job {
  const jobs = parseManifests(readManifestFile(file), file);
  if (jobs.length !== 1) throw new CliError(`error: run takes exactly one Job; ${file} has ${jobs.length}`);
  return jobs[0];
}

export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const { out } = opts;
  // Validation first: a bad manifest starts nothing, not even a server.
  const job = loadSingleJob(file);
  // Before any server or connection: they would create the runtime without the metrics endpoint.
  const { log, tracing } = await startTelemetry(opts.telemetry ?? { logFormat: 'text' }, 'warn', out);
  const dataDir = opts.dataDir ?? defaultDataDir();
  const ns = job.metadata.namespace;
  const name = job.metadata.name;

  let server: EmbeddedServer | undefined;
  let client: Client;
  let connection: NativeConnection;
  const settings = settingsFromEnv();
  // A `jobctl dev` of the same data dir owns its database: use its server rather than start a second one.
  const dev = settings.configured ? undefined : readDevServerInfo(dataDir);
  if (settings.configured || dev) {
    if (dev) settings.address = dev.address;
    client = await connect(settings);
    try {
      connection = await NativeConnection.connect(connectionOptions(settings));
    } catch (err) {
      throw new ConnectionError(settings.address, err);
    }
    out.info(
      dev
        ? `Using the jobctl dev server at ${settings.address} (pid ${dev.pid}; Web UI ${dev.uiUrl}).`
        : `Using the Temporal server at ${settings.address} (${process.env.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : `profile "${settings.profile}"`}).`,
    );
  } else {
    out.info(`Starting an embedded Temporal dev server (data in ${dataDir})...`);
    server = await startEmbeddedServer({ dataDir, log: (m) => out.info(m) });
    // With codec keys configured, the client encrypts too (the server's own client does not).
    client = settings.codec ? clientFor(server.env.connection, server.env.client.options.namespace, settings) : server.env.client;
    connection = server.env.nativeConnection;
    out.info(`Temporal Web UI: ${server.uiUrl}  (server ${server.address})`);
  }

  const worker = await createJobWorker({
    connection,
    namespace: client.options.namespace,
    dataDir,
    secretsDir: secretsDirFor(dataDir),
    ...(settings.codec ? { payloadCodec: settings.codec } : {}),
    ...(tracing ? { tracing } : {}),
    log,
  });
  const jobs = new JobsClient(client);
  let interrupted = 0;
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  };

  let logs: PodLogStream | undefined;
  const follow = async (): Promise<JobResult> => {
    try {
      await jobs.create(job);
      out.info(`job.batch/${name} created`);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      const earlier = await jobs.get(ns, name);
      if (earlier.running) {
        // The Job survived an earlier run that was killed: durable by design, so follow it.
        out.info(`job.batch/${name} is already running (from an earlier run); following it`);
      } else {
        // A finished Job still exists, as in Kubernetes; running the manifest again means replacing it.
        out.info(`job.batch/${name} from an earlier run has finished; deleting it to run the manifest again`);
        await jobs.delete(ns, name);
        await jobs.create(job);
        out.info(`job.batch/${name} created`);
      }
    }
    const onSigint = () => {
      interrupted += 1;
      if (interrupted === 1) {
        out.info(`\nInterrupted: stopping Job ${ns}/${name} (its pods get their grace period; Ctrl-C again to force)...`);
        void jobs.handle(ns, name).cancel().catch(() => undefined);
      } else {
        void logs?.abort();
        void stopAll().finally(() => process.exit(130));
      }
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    cleanups.push(async () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    });
    const progress = followEvents(jobs, ns, name, out);
    const spec = job.spec;
    logs = streamPodLogs(
      jobs,
      { namespace: ns, name, containers: spec.template.spec.containers.map((c) => c.name), manyPods: (spec.completions ?? 1) > 1 || (spec.parallelism ?? 1) > 1 },
      dataDir,
      out,
    );
    try {
      const result = await jobs.result(ns, name);
      await logs.finish(result.pods);
      return result;
    } finally {
      await progress.stop();
    }
  };

  let result: JobResult | undefined;
  let failure: unknown;
  try {
    result = await worker.runUntil(follow());
  } catch (err) {
    failure = err;
  } finally {
    await logs?.abort();
    await stopAll();
    if (server) await server.teardown();
  }
  if (interrupted > 0) {
    out.info(`Job ${ns}/${name} was cancelled.`);
    return 130;
  }
  if (!result) throw failure;
  return report(result, out);
}

function report(result: JobResult, out: Output): number {
  const { job } = result;
  const terminal = finishedCondition(job.status);
  const s = job.status;
  const summary = `succeeded: ${s.succeeded}, failed: ${s.failed}`;
  const c = colorsFor(out.tty);
  if (terminal?.type === 'Complete') {
    out.info(c.green(`job.batch/${job.metadata.name} complete (${summary}, duration ${duration(s.startTime, s.completionTime)})`));
    return 0;
  }
  out.error(c.red(`job.batch/${job.metadata.name} failed: ${terminal?.reason ?? 'Unknown'}: ${terminal?.message ?? ''} (${summary})`));
  return 1;
}

function duration(from?: string, to?: string): string {
  if (!from || !to) return '?';
  const s = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Prints the Job's events as they happen, the way `kubectl get events -w` would. */
function followEvents(jobs: JobsClient, ns: string, name: string, out: Output): { stop(): Promise<void> } {
  let seen = 0;
  let stopped = false;
  const c = colorsFor(out.tty);
  const started = Date.now();
  const print = (events: JobEvent[]) => {
    // The window is bounded; when it slides, new events are the ones after the last printed one.
    for (const e of events.slice(Math.min(seen, events.length))) {
      const type = e.type === 'Warning' ? c.yellow(e.type.padEnd(7)) : e.type.padEnd(7);
      out.info(`  ${type} ${e.reason.padEnd(20)} ${e.message}`);
    }
    seen = events.length;
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        print(await jobs.events(ns, name));
        // The live line only where someone watches: a terminal.
        if (out.tty && out.progress) out.progress(progressLine(name, await jobs.status(ns, name), started));
      } catch {
        // The workflow may not have run its first task yet, or has just ended: try again.
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      out.progress?.('');
      try {
        const final = await jobs.result(ns, name);
        print(final.events);
      } catch {
        // Cancelled or failed workflows have no result to read events from.
      }
    },
  };
}

function progressLine(name: string, s: JobStatus, started: number): string {
  const phase = statusColumn(s);
  const secs = Math.round((Date.now() - started) / 1000);
  return `job.batch/${name}: ${phase}  active ${s.active}  ready ${s.ready}  succeeded ${s.succeeded}  failed ${s.failed}  ${secs}s`;
}
