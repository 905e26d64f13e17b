// How fast the pure controller decides, and how big its state stays, for a Job of many pods.
// Run: npm run build && node dist/bench/controller.bench.js [completions] [parallelism]
import { apply, initialState, reconcile } from '../src/controller';
import type { Job } from '../src/api/types';

function job(completions: number, parallelism: number, mode: 'NonIndexed' | 'Indexed'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'bench', namespace: 'default', uid: 'u' },
    spec: {
      parallelism,
      completions,
      completionMode: mode,
      backoffLimit: 1_000_000,
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      template: { spec: { containers: [{ name: 'c', command: ['true'] }], restartPolicy: 'Never', terminationGracePeriodSeconds: 30 } },
    },
  };
}

function run(completions: number, parallelism: number, mode: 'NonIndexed' | 'Indexed'): void {
  const j = job(completions, parallelism, mode);
  const state = initialState();
  let now = 0;
  let n = 0;
  let syncs = 0;
  let maxStateBytes = 0;
  const started = process.hrtime.bigint();
  let running: string[] = [];
  for (;;) {
    const { decisions } = reconcile(j, state, { now, randomSuffix: () => (n++).toString(36).padStart(5, '0') });
    syncs++;
    for (const d of decisions) if (d.type === 'runPod') running.push(d.pod);
    if (state.conditions.some((c) => c.type === 'Complete')) break;
    // Every 50th pod fails once, to exercise failure counting and backoff.
    const pod = running.shift();
    if (pod === undefined) break;
    now += 1;
    const fail = n % 50 === 0;
    apply(j, state, { type: 'podFinished', pod, at: now, result: { phase: fail ? 'Failed' : 'Succeeded', containers: [] } });
    if (fail) now += 10_000;
    if (syncs % 1000 === 0) maxStateBytes = Math.max(maxStateBytes, JSON.stringify(state).length);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const bytes = JSON.stringify(state).length;
  console.log(
    `${mode.padEnd(10)} completions=${completions} parallelism=${parallelism}: ${syncs} syncs in ${ms.toFixed(0)} ms ` +
      `(${((ms * 1000) / syncs).toFixed(1)} us/sync), succeeded=${state.succeeded} failed=${state.failed}, ` +
      `state ${(Math.max(bytes, maxStateBytes) / 1024).toFixed(1)} KiB at most`,
  );
}

const completions = Number(process.argv[2] ?? 100_000);
const parallelism = Number(process.argv[3] ?? 100);
run(completions, parallelism, 'NonIndexed');
run(completions, parallelism, 'Indexed');
