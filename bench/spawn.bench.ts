// Spawning pods from a fat process against spawning them through the pod launcher, in the same run.
// This process first grows its heap to ~400 MB (a worker's size under load), then starts `true`
// N times, C at a time, three ways:
//   - child_process.spawn straight from this process (the bare cost of a fork of a fat process);
//   - DirectLauncher in this process (what the worker did before the launcher: log file, group);
//   - LauncherProcess (the launcher forked once beside this process; what the worker does now).
// Each prints spawns/s, this process's CPU time per spawn and its event-loop delay (p99, max).
// Run: npm run bench:spawn [-- N C heapMB] (defaults 1000 50 400)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LauncherProcess } from '../src/activities/launcher-process';
import { DirectLauncher, type PodLauncher } from '../src/activities/pod-launcher';

const N = Number(process.argv[2] ?? 1000);
const C = Number(process.argv[3] ?? 50);
const HEAP_MB = Number(process.argv[4] ?? 400);
const TIMEOUT_MS = 300_000;

/** Kept reachable so that the heap stays this size throughout. */
const ballast: Array<{ i: number; s: string; a: number[] }> = [];

function growHeap(targetMb: number): void {
  let i = 0;
  while (process.memoryUsage().rss < targetMb * 1024 * 1024) {
    for (let k = 0; k < 10_000; k++, i++) ballast.push({ i, s: `ballast-${i}`, a: [i, i + 1, i + 2, i + 3] });
  }
}

interface Figure {
  label: string;
  spawnsPerSec: number;
  cpuMsPerSpawn: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

async function measure(label: string, one: () => Promise<void>): Promise<Figure> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  const lanes = Array.from({ length: C }, async () => {
    while (next < N) {
      next++;
      await one();
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  await Promise.race([Promise.all(lanes), timedOut]);
  clearTimeout(timer);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  return {
    label,
    spawnsPerSec: N / secs,
    cpuMsPerSpawn: (cpu.user + cpu.system) / 1000 / N,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
  };
}

function direct(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

function through(launcher: PodLauncher, dir: string): () => Promise<void> {
  let n = 0;
  return async () => {
    const spawned = await launcher.spawn({ file: 'true', args: [], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logFile: path.join(dir, `${n++ % C}.log`) }, () => undefined);
    if (!spawned.ok) throw new Error(spawned.error.message);
    await spawned.group.done;
  };
}

function print(f: Figure, baseline?: Figure): void {
  const vs = baseline ? ` (x${(f.spawnsPerSec / baseline.spawnsPerSec).toFixed(2)} of the first line)` : '';
  console.log(
    `${f.label.padEnd(44)} ${f.spawnsPerSec.toFixed(0).padStart(5)} spawns/s${vs}; ` +
      `this process: ${f.cpuMsPerSpawn.toFixed(2)} ms CPU/spawn, event loop delay p99 ${f.loopP99Ms.toFixed(1)} ms, max ${f.loopMaxMs.toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-'));
  const launcher = new LauncherProcess();
  try {
    growHeap(HEAP_MB);
    const rss = process.memoryUsage().rss / 2 ** 20;
    console.log(`spawn bench: ${N} x \`true\`, ${C} at a time; this process's RSS ${rss.toFixed(0)} MB; ${os.cpus().length} CPUs; loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const base = await measure('child_process.spawn from this process', direct);
    print(base);
    print(await measure('DirectLauncher in this process (before)', through(new DirectLauncher(), dir)), base);
    launcher.warm();
    print(await measure('LauncherProcess beside this process (now)', through(launcher, dir)), base);
    const launcherRss = launcher.pid !== undefined ? rssOf(launcher.pid) : undefined;
    console.log(
      `launcher RSS ${launcherRss !== undefined ? `${launcherRss.toFixed(0)} MB` : '?'}; this process ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB (ballast ${ballast.length} objects); ` +
        `loadavg after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
  } finally {
    await launcher.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
