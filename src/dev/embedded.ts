// The embedded Temporal dev server that `jobctl run` and `jobctl dev` start when no TEMPORAL_ADDRESS is set.
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDataDir, narrowToPrivate, withPrivateUmask } from '../data-dir/private-files';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { JOB_LABELS, JOB_NAME, JOB_NAMESPACE, JOB_PHASE } from '../workflows/search-attributes';
import { createLocalEnv } from './servers';
import { pickPort, tryListen } from './ports';

/** The Job search attributes, registered on every dev server we start. */
export const JOB_SEARCH_ATTRIBUTE_KEYS = [JOB_NAME, JOB_NAMESPACE, JOB_PHASE, JOB_LABELS];

/**
 * Deleting a closed workflow waits until the history's transfer queue has checkpointed past the close
 * task, which it does every 30 s by default: `jobctl delete` would take up to half a minute. A 1 s
 * checkpoint makes deletion (and ttlSecondsAfterFinished) take effect at once, for a negligible write.
 *
 * The server force-closes a workflow task that is being worked on once more than 100 events arrived
 * meanwhile (history.maximumBufferedEventsBatch): 100 pods ending during one slow task do it, and the
 * worker then throws that task's work away and replays the run's whole history. A Job has at most
 * MAX_PODS_IN_FLIGHT (1,000) pods in flight, so their results and announcements fit under 2,000.
 */
export const MAX_BUFFERED_EVENTS = 2000;

/**
 * The dev server opens its SQLite file with SQLite's defaults: a rollback journal and synchronous=FULL,
 * so each of its transactions waits for fsyncs (~1.7 ms a commit on this project's VM, against 0.03 ms
 * in WAL mode with synchronous=NORMAL). Every activity of a Job is a write to the Job's one workflow,
 * so those writes queue behind each other: 1,000 `true` pods at parallelism 100 waited p50
 * 430-1,150 ms in the task queue and workflow tasks took p50 90-210 ms to complete, against
 * 20-120 ms and 10-45 ms with WAL+NORMAL; median share of the xargs rate 40% -> 52% at load 85-256,
 * +4-12% pods/s on a quiet machine (README "Performance").
 * WAL with synchronous=NORMAL loses nothing when the server process dies (SIGKILL included): SQLite
 * documents commits as durable across application crashes whatever the synchronous setting; only an
 * OS crash or power loss can roll back the last commits before a checkpoint, never corrupt the file
 * (https://www.sqlite.org/pragma.html#pragma_synchronous, https://www.sqlite.org/wal.html).
 * An in-memory server (no --db-filename) ignores both.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'];

/**
 * One partition per task queue. A task queue has 4 by default, for spreading one queue over several
 * matching hosts; the embedded server is one process, where the partitions only cost: a pod's activity
 * lands on one of 4 at random while the worker's polls are spread over them, and the partitions
 * forward tasks and polls to each other through the root when they miss (server
 * common/dynamicconfig: matching.numTaskqueueReadPartitions/WritePartitions). Measured (README,
 * Performance, 28 Nov 21:20): dev server CPU per 1,000 pods 5.1 s against 5.7 s in the first rounds, no
 * difference in the last pair, pods queued p50 a little longer (103-339 against 80-118 ms).
 */
export const DEV_SERVER_TASK_QUEUE_PARTITIONS = 1;

/**
 * `system.enableActivityEagerExecution` (off by default in Temporal): a pod the workflow starts goes back
 * to the worker in the workflow task's completion (src/worker-polls.ts, EAGER_POD_STARTS_PER_TASK)
 * instead of through a transfer task, the matching service, a poll and a start write. Measured, 1,000
 * `true` pods at parallelism 100, two interleaved pairs at load 25-40 (29 Nov): dev server CPU 6.4/5.7 ->
 * 5.0/4.6 s, worker 6.9/6.3 -> 6.3/5.5 s, pods queued p50 193/130 -> 50/17 ms.
 */
export const DEV_SERVER_EXTRA_ARGS = [
  ...DEV_SERVER_SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]),
  '--dynamic-config-value',
  `matching.numTaskqueueReadPartitions=${DEV_SERVER_TASK_QUEUE_PARTITIONS}`,
  '--dynamic-config-value',
  `matching.numTaskqueueWritePartitions=${DEV_SERVER_TASK_QUEUE_PARTITIONS}`,
  '--dynamic-config-value',
  'history.transferProcessorUpdateAckInterval="1s"',
  '--dynamic-config-value',
  `history.maximumBufferedEventsBatch=${MAX_BUFFERED_EVENTS}`,
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
];

export interface EmbeddedServer {
  env: TestWorkflowEnvironment;
  address: string;
  uiUrl: string;
  dbFile: string;
  teardown(): Promise<void>;
}

/** How many times a start is tried with fresh ports when another process took the ones picked. */
const PORT_RACE_ATTEMPTS = 3;

export async function startEmbeddedServer(opts: { dataDir: string; log?: (m: string) => void }): Promise<EmbeddedServer> {
  ensurePrivateDataDir(opts.dataDir);
  const dbFile = path.join(opts.dataDir, 'temporal.db');
  // The server creates its database under its umask (0644 by default), and takes an empty file for an
  // existing database, so it cannot be made first: the server starts under umask 077 instead, and a
  // database from before is narrowed. SQLite gives its -wal and -shm files the database's mode.
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) narrowToPrivate(f);
  // Between picking a free port and the server binding it, another process (a second `jobctl run`)
  // can take it: the server then fails to start, and is started again on fresh ports.
  let port = await pickPort(7233);
  let uiPort = await pickPort(port === 7233 ? 8233 : port + 1000);
  let env: TestWorkflowEnvironment;
  for (let attempt = 1; ; attempt++) {
    try {
      env = await startDevServer(dbFile, port, uiPort, opts.log);
      break;
    } catch (err) {
      const raced = (await tryListen(port, '127.0.0.1')) === undefined || (await tryListen(uiPort, '127.0.0.1')) === undefined;
      if (!raced || attempt >= PORT_RACE_ATTEMPTS) throw err;
      port = await pickPort(0);
      uiPort = await pickPort(0);
    }
  }
  return {
    env,
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    dbFile,
    teardown: () => env.teardown(),
  };
}

function startDevServer(dbFile: string, port: number, uiPort: number, log: ((m: string) => void) | undefined): Promise<TestWorkflowEnvironment> {
  return withPrivateUmask(() =>
    createLocalEnv({
      server: {
        ip: '127.0.0.1',
        port,
        ui: true,
        uiPort,
        dbFilename: dbFile,
        // `jobctl get -l` and the Web UI's filters are visibility queries on these.
        searchAttributes: JOB_SEARCH_ATTRIBUTE_KEYS,
        extraArgs: DEV_SERVER_EXTRA_ARGS,
        log: { format: 'pretty', level: 'error' },
      },
      log,
    }),
  );
}
