// `jobctl dev`: the embedded Temporal dev server with its Web UI, plus a worker, until Ctrl-C. Other jobctl
// commands on this host find it through the note it leaves in the data dir.
import { codecFromEnv } from '../../client';
import { createJobWorker, defaultDataDir, DEFAULT_TASK_QUEUE, secretsDirFor, startEmbeddedServer } from '../../worker';
import { readDevServerInfo, writeDevServerInfo } from '../dev-info';
import { taskQueueFromEnv } from '../common';
import { CliError, type Output } from '../output';
import { startTelemetry, type TelemetryOptions } from '../telemetry';

export interface DevOptions {
  dataDir?: string;
  taskQueue?: string;
  maxPods?: number;
  /** --metrics-address, --log-format, --log-level (src/cli/telemetry.ts). */
  telemetry?: TelemetryOptions;
}

export async function devCommand(o: DevOptions, out: Output): Promise<number> {
  const dataDir = o.dataDir ?? defaultDataDir();
  const running = readDevServerInfo(dataDir);
  if (running) {
    throw new CliError(`error: jobctl dev already runs for ${dataDir} (pid ${running.pid}, server ${running.address}, Web UI ${running.uiUrl})`);
  }
  const taskQueue = o.taskQueue ?? taskQueueFromEnv() ?? DEFAULT_TASK_QUEUE;
  // Bad keys are found before the server starts.
  const codec = codecFromEnv();
  // Before the server: its connection would create the runtime without the metrics endpoint.
  const { log, tracing } = await startTelemetry(o.telemetry ?? { logFormat: 'text' }, 'info', out);
  out.info(`Starting the Temporal dev server (data in ${dataDir})...`);
  const server = await startEmbeddedServer({ dataDir, log: (m) => out.info(m) });
  const forget = writeDevServerInfo(dataDir, { pid: process.pid, address: server.address, uiUrl: server.uiUrl });
  try {
    const worker = await createJobWorker({
      connection: server.env.nativeConnection,
      namespace: server.env.client.options.namespace,
      taskQueue,
      dataDir,
      ...(o.maxPods !== undefined ? { maxConcurrentPods: o.maxPods } : {}),
      secretsDir: secretsDirFor(dataDir),
      ...(codec ? { payloadCodec: codec } : {}),
      ...(tracing ? { tracing } : {}),
      log,
    });
    out.info(`Temporal Web UI: ${server.uiUrl}  (server ${server.address})`);
    out.info(`Worker polling task queue "${taskQueue}". Ctrl-C stops the worker and the server; the Jobs stay in ${dataDir}.`);
    const hint = server.address === '127.0.0.1:7233' ? '' : `  (elsewhere: export TEMPORAL_ADDRESS=${server.address})`;
    out.info(`In another terminal on this host: jobctl apply -f examples/pi.yaml; jobctl get jobs${hint}`);
    // The SDK shuts the worker down on SIGINT/SIGTERM; running pods get their grace period.
    await worker.run();
    out.info('Worker stopped; stopping the dev server...');
  } finally {
    forget();
    await server.teardown();
  }
  return 0;
}
