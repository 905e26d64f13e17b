// `jobctl worker`: a long-running worker against an existing Temporal server.
import { NativeConnection } from '@temporalio/worker';
import { settingsFromEnv, connectionOptions, ConnectionError } from '../client';
import { createJobWorker, defaultDataDir } from '../worker';
import type { Output } from './output';

export async function workerCommand(o: { taskQueue: string; maxPods: number; dataDir?: string; out: Output }): Promise<number> {
  const settings = settingsFromEnv();
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(connectionOptions(settings));
  } catch (err) {
    throw new ConnectionError(settings.address, err);
  }
  const worker = await createJobWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: o.taskQueue,
    dataDir: o.dataDir ?? defaultDataDir(),
    maxConcurrentPods: o.maxPods,
    log: (m) => o.out.info(m),
  });
  o.out.info(`Worker polling task queue "${o.taskQueue}" on ${settings.address} (namespace ${settings.namespace}); Ctrl-C to stop.`);
  // The SDK shuts the worker down on SIGINT/SIGTERM; running pods are cancelled and given their grace period.
  await worker.run();
  await connection.close();
  return 0;
}
