// One Job worker process for bench/scale.bench.ts: a real worker (createJobWorker) in a process of
// its own, so that its RSS and CPU are its own. Its settings come in SCALE_WORKER (JSON). It prints
// "ready" once polling, and shuts down gracefully on SIGTERM.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { DirectLauncher } from '../src/activities/pod-launcher';
import { createJobWorker } from '../src/worker';

export interface ScaleWorkerSettings {
  address: string;
  dataDir: string;
  maxPods: number;
  /** 'launcher': the worker's own pod launcher (the default); 'worker': spawns from the worker itself. */
  spawn: 'launcher' | 'worker';
  identity: string;
  /** A workflow bundle written to a file by the bench, so that each worker does not bundle again. */
  bundlePath: string;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.env.SCALE_WORKER ?? '') as ScaleWorkerSettings;
  // The SDK's INFO lines per worker state would cost CPU and say nothing here.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: s.address });
  const worker = await createJobWorker({
    connection,
    dataDir: s.dataDir,
    maxConcurrentPods: s.maxPods,
    identity: s.identity,
    workflowBundle: { codePath: s.bundlePath },
    ...(s.spawn === 'worker' ? { launcher: new DirectLauncher() } : {}),
    log: () => undefined,
  });
  process.on('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
