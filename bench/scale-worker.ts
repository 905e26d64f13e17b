// One Job worker process for bench/scale.bench.ts: a real worker (createJobWorker) in a process of
// its own, so that its RSS and CPU are its own. Its settings come in SCALE_WORKER (JSON). It prints
// "ready" once polling, and shuts down gracefully on SIGTERM.
import fs from 'node:fs';
import v8 from 'node:v8';
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
  /** Host directories pods may write (the sandbox makes the rest of the host read-only). */
  sharedPaths?: string[];
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
    ...(s.sharedPaths ? { sharedPaths: s.sharedPaths } : {}),
    ...(s.spawn === 'worker' ? { launcher: new DirectLauncher() } : {}),
    log: () => undefined,
  });
  process.on('SIGTERM', () => worker.shutdown());
  const peak = watchPeak();
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
  peak.stop();
  process.stdout.write(`peak ${peak.describe()}\n`);
  await connection.close();
}

/**
 * Where the worker's memory was at its highest RSS (sampled every second): the main isolate's heap and
 * external memory (process.memoryUsage) and /proc/self/smaps_rollup's anonymous and file-backed pages, so
 * that the bench says whose memory the peak is (V8's, the SDK core's and malloc's, or mapped files).
 */
function watchPeak(): { stop(): void; describe(): string } {
  const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
  let best = { rss: 0, line: '' };
  const sample = (): void => {
    const m = process.memoryUsage();
    // smaps_rollup walks every mapping (~20 ms of CPU here): read again only for a peak 4 MB higher,
    // else the bench's own reads were ~5% of the worker CPU it reports.
    if (m.rss <= best.rss + 4 * 2 ** 20) return;
    let anon = 0;
    let file = 0;
    try {
      const r = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
      anon = Number(/\nAnonymous:\s+(\d+)/.exec(r)?.[1] ?? 0) * 1024;
      const rssKb = Number(/\nRss:\s+(\d+)/.exec(r)?.[1] ?? 0) * 1024;
      file = rssKb - anon;
    } catch {
      // Not Linux.
    }
    const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    best = {
      rss: m.rss,
      line:
        `RSS ${mb(m.rss)} MB: main heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB (old space ${mb(old?.space_used_size ?? 0)}/${mb(old?.space_size ?? 0)}), ` +
        `external ${mb(m.external)} MB (array buffers ${mb(m.arrayBuffers)}); anonymous ${mb(anon)} MB, file-backed ${mb(file)} MB`,
    };
  };
  const timer = setInterval(sample, 1000);
  return { stop: () => clearInterval(timer), describe: () => best.line };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
