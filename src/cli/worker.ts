// `jobctl worker`: a long-running worker against an existing Temporal server.
import { Command, InvalidArgumentError, Option } from 'commander';
import { NativeConnection } from '@temporalio/worker';
import { settingsFromEnv, connectionOptions, ConnectionError } from '../client';
import {
  createJobWorker,
  defaultDataDir,
  DEFAULT_MAX_CONCURRENT_PODS,
  DEFAULT_TASK_QUEUE,
  ISOLATION_MODES,
  isolationSupport,
  describeLimits,
  DEFAULT_POD_PIDS_LIMIT,
  MAX_NODE_LABELS,
  POD_NETWORKS,
  type PodNetwork,
  parseNodeLabels,
  secretsDirFor,
  type Isolation,
} from '../worker';
import { CliError, type Output } from './output';
import { addTelemetryOptions, startTelemetry, type TelemetryOptions } from './telemetry';

export interface WorkerCommandOptions {
  taskQueue: string;
  /** Pods run at once over every queue polled (`--max-concurrent-pods`, formerly `--max-pods`). */
  maxPods: number;
  dataDir?: string;
  isolation?: Isolation;
  nodeLabels?: Record<string, string>;
  /** Where secretKeyRef values are read; default DURABLE_JOBS_SECRETS_DIR, else `<data dir>/secrets`. */
  secretsDir?: string;
  /** Host directories pods may write to (`--share-path`, repeatable). */
  sharedPaths?: string[];
  podNetwork?: PodNetwork;
  podPidsLimit?: number;
  /** --metrics-address, --log-format, --log-level (src/cli/telemetry.ts). */
  telemetry?: TelemetryOptions;
  out: Output;
}

/**
 * Registers `worker` and its options on `program`; main.ts calls it so that the verb's options live
 * next to the code that reads them.
 */
export function addWorkerCommand(program: Command, out: Output, exit: (code: number) => void): Command {
  const cmd = program
    .command('worker')
    .description('Run a worker for the Jobs on TEMPORAL_ADDRESS until Ctrl-C')
    .option('--task-queue <name>', 'task queue to poll (workflows and pods without a nodeSelector)', DEFAULT_TASK_QUEUE)
    .option('--max-concurrent-pods <n>', 'pods this worker runs at once, over all its task queues', positiveInt, DEFAULT_MAX_CONCURRENT_PODS)
    .addOption(new Option('--max-pods <n>', 'same as --max-concurrent-pods').argParser(positiveInt).hideHelp())
    .addOption(
      new Option('--isolation <mode>', 'how pods of the process runtime are isolated: auto (bubblewrap where it works), sandbox (bubblewrap or refuse to start), process-group')
        .choices([...ISOLATION_MODES])
        .default('auto'),
    )
    .option(
      '--node-labels <k=v,...>',
      `this host's node labels (at most ${MAX_NODE_LABELS}): the worker also runs pods whose nodeSelector they satisfy`,
      labelsArg,
    )
    .option('--data-dir <dir>', 'where pod logs and emptyDir volumes live')
    .option('--secrets-dir <dir>', 'where env valueFrom.secretKeyRef values are read: <dir>/<namespace>/<secret>/<key> (default $DURABLE_JOBS_SECRETS_DIR, else <data dir>/secrets)')
    .option('--share-path <dir>', 'a host directory sandboxed pods may write to (the rest of the host is read-only to them); repeatable', collect, [])
    .addOption(
      new Option('--pod-network <mode>', "sandboxed pods' network: host (this host's, so also its Temporal server), none (loopback only)")
        .choices([...POD_NETWORKS])
        .default('host'),
    )
    .option('--pod-pids-limit <n>', 'the most processes of one sandboxed container (cgroup pids.max, where cgroups work)', positiveInt, DEFAULT_POD_PIDS_LIMIT);
  return addTelemetryOptions(cmd, 'info').action(
    async (o: TelemetryOptions & {
      taskQueue: string;
      maxConcurrentPods: number;
      maxPods?: number;
      isolation: Isolation;
      nodeLabels?: Record<string, string>;
      dataDir?: string;
      sharePath: string[];
      podNetwork: PodNetwork;
      podPidsLimit: number;
      secretsDir?: string;
    }) => {
      exit(
        await workerCommand({
          taskQueue: o.taskQueue,
          maxPods: o.maxPods ?? o.maxConcurrentPods,
          isolation: o.isolation,
          ...(o.nodeLabels ? { nodeLabels: o.nodeLabels } : {}),
          ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
          ...(o.secretsDir !== undefined ? { secretsDir: o.secretsDir } : {}),
          sharedPaths: o.sharePath,
          podNetwork: o.podNetwork,
          podPidsLimit: o.podPidsLimit,
          telemetry: { logFormat: o.logFormat, ...(o.logLevel ? { logLevel: o.logLevel } : {}), ...(o.metricsAddress !== undefined ? { metricsAddress: o.metricsAddress } : {}), ...(o.otlpEndpoint !== undefined ? { otlpEndpoint: o.otlpEndpoint } : {}) },
          out,
        }),
      );
    },
  );
}

export async function workerCommand(o: WorkerCommandOptions): Promise<number> {
  // Before the connection: it would create the runtime without the metrics endpoint.
  const { log, say, tracing } = await startTelemetry(o.telemetry ?? { logFormat: 'text' }, 'info', o.out);
  const settings = settingsFromEnv();
  const dataDir = o.dataDir ?? defaultDataDir();
  const isolation = o.isolation ?? 'auto';
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(connectionOptions(settings));
  } catch (err) {
    throw new ConnectionError(settings.address, err);
  }
  let worker;
  try {
    worker = await createJobWorker({
      connection,
      namespace: settings.namespace,
      taskQueue: o.taskQueue,
      dataDir,
      maxConcurrentPods: o.maxPods,
      isolation,
      ...(o.nodeLabels ? { nodeLabels: o.nodeLabels } : {}),
      ...(settings.codec ? { payloadCodec: settings.codec } : {}),
      secretsDir: secretsDirFor(dataDir, o.secretsDir),
      ...(o.sharedPaths !== undefined ? { sharedPaths: o.sharedPaths } : {}),
      ...(o.podNetwork !== undefined ? { podNetwork: o.podNetwork } : {}),
      ...(o.podPidsLimit !== undefined ? { podPidsLimit: o.podPidsLimit } : {}),
      ...(tracing ? { tracing } : {}),
      log,
    });
  } catch (err) {
    await connection.close();
    // Bad node labels or a required sandbox that is missing: the user's to fix, no stack trace.
    throw new CliError(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
  const queues = worker.taskQueues;
  say(`Worker on ${settings.address} (namespace ${settings.namespace}); Ctrl-C to stop.`);
  say(`  task queue${queues.length > 1 ? 's' : ''}: ${queues.map((q) => `"${q}"`).join(', ')}`);
  say(`  isolation: ${await isolationInUse(isolation)}`);
  say(`  data dir: ${dataDir}`);
  say(`  secrets dir: ${secretsDirFor(dataDir, o.secretsDir)}`);
  say(`  payload encryption: ${settings.codec ? 'on' : 'off (DURABLE_JOBS_CODEC_KEY_FILE unset)'}`);
  // Said once, at start: whether resources.limits and the pid limit hold on this host.
  say(`  pod limits: ${describeLimits()}`);
  say(`  max concurrent pods: ${o.maxPods}`);
  // The SDK shuts the worker down on SIGINT/SIGTERM; running pods are cancelled and given their grace period.
  await worker.run();
  await connection.close();
  return 0;
}

/** What the mode means on this host: `auto` resolves to one of the two. */
async function isolationInUse(mode: Isolation): Promise<string> {
  const support = await isolationSupport(mode);
  if (support.ok) return `sandbox (bubblewrap: ${support.bwrap})${mode === 'auto' ? ', chosen by auto' : ''}`;
  return `process-group${mode === 'auto' ? ` (auto: ${support.reason})` : ''}`;
}

function collect(v: string, all: string[]): string[] {
  return [...all, v];
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function labelsArg(v: string): Record<string, string> {
  try {
    const labels = parseNodeLabels(v);
    if (Object.keys(labels).length > MAX_NODE_LABELS) {
      throw new Error(`at most ${MAX_NODE_LABELS} node labels (each subset of them is a task queue to poll)`);
    }
    return labels;
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}
