#!/usr/bin/env node
// `npm test`: node's test runner over the built test files, several files at a time.
//
// Most of the suite's wall time is waiting (pods' grace periods, timers, servers answering), not CPU,
// so files run side by side: TEST_CONCURRENCY of them at once (default: one more than the cores, at least
// 3: on 2 cores the suite's ~400 CPU-s took 397 s of wall time two at a time, under one core busy on
// average; three at a time, 4m49s with no failure). Files start in the
// order below, longest first, so that a long file never starts last and holds the run alone; files not
// listed follow in name order. Each file still runs in its own process with its own servers.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * Longest first, as measured (wall time of each file alone, 28 Nov 2026: cronjob-restart waits out real
 * minutes, ~100 s; the CLI files ~40-75 s).
 */
const LONGEST_FIRST = [
  'cronjob-restart.e2e',
  'package.e2e',
  'workflow-lifecycle',
  'cli-verbs.e2e',
  'cli-run.e2e',
  'cronjob-schedules',
  'worker-crash.e2e',
  'cli-pipes.e2e',
  'worker-crash-continue-as-new.e2e',
  'workflow-behaviour',
  'client-continue-as-new.e2e',
  'cli-kubectl-habits.e2e',
  'cli-dev.e2e',
  'worker-pod-sweeper',
  'workflow-indexed',
  'workflow',
  'worker-metrics.e2e',
  'api-input-limits',
];

/** Files with a script of their own, left out of `npm test`: the cluster e2e takes minutes (`npm run test:cluster`, which CI runs after). */
const SEPARATE = ['cluster.e2e'];
/**
 * Files run alone after the rest; none now. workflow-continue-as-new ran here because the time-skipping
 * server refuses a workflow task that cancels a timer that fired while the task ran, or a pod whose
 * activity completed meanwhile (ACTIVITY_UNKNOWN), and then never hands it out again. The Job's workflow
 * no longer cancels timers that can fire during a task (patch no-racing-timers), the file's deadline test
 * no longer lets a short pod meet the deadline, and a Job that freezes anyway fails its wait after a
 * minute with StuckWorkflowTaskError instead of holding the run (issue 13).
 */
const ALONE = [];

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'dist', 'test');
const all = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.js') && !SEPARATE.includes(f.replace(/\.test\.js$/, '')) && !ALONE.includes(f.replace(/\.test\.js$/, '')))
  .sort();
const rank = (f) => {
  const i = LONGEST_FIRST.indexOf(f.replace(/\.test\.js$/, ''));
  return i === -1 ? LONGEST_FIRST.length : i;
};
const files = all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((f) => path.join('dist', 'test', f));

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(3, cores + 1);

const common = [
  // Caps each file, and each test and hook in it: a stuck file fails instead of holding the run.
  '--test-timeout=480000',
  // Fails a file whose process stays open after its last test (a worker or server left behind).
  '--require',
  './dist/test/helpers/guard.js',
  ...process.argv.slice(2),
];
const alone = ALONE.map((f) => path.join('dist', 'test', `${f}.test.js`)).filter((f) => fs.existsSync(path.join(root, f)));

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', ...args], { cwd: root, stdio: 'inherit' });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

(async () => {
  const side = await run([`--test-concurrency=${concurrency}`, ...common, ...files]);
  const after = alone.length > 0 ? await run(['--test-concurrency=1', ...common, ...alone]) : 0;
  process.exit(side !== 0 ? side : after);
})();
