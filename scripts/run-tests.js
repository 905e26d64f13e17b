#!/usr/bin/env node
// `npm test`: node's test runner over the built test files, several files at a time, and beside them the
// type check and the files that mostly wait.
//
// Most of the suite's wall time is waiting (pods' grace periods, timers, servers answering), not CPU,
// so files run side by side: TEST_CONCURRENCY of them at once (default: two more than the cores, at least 4). On 2
// cores, two at a time took the suite's ~400 CPU-s 397 s, under one core busy on average; three at a time
// 4m49s, and then ~5.5 min with 450 CPU-s in 329 s (68% of the two cores busy). Files start in the order
// below, longest first, so that a long file never starts last and holds the run alone; files not listed
// follow in name order. Each file still runs in its own process with its own servers.
//
// `pretest` builds dist/ with swc (scripts/transpile.js), which checks no types. The type check is tsc,
// run here as one more job next to the test files: a type error fails `npm test` as before, without ~25
// CPU-s of tsc ahead of the first test. tsc also writes the declarations (.d.ts) the package ships, so the
// files that pack the package (AFTER_TYPES) start once it is done. Files that wait out real minutes on
// almost no CPU (BESIDE) run in a lane of their own from the start instead of holding one of the places.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * Longest first, as measured (each file's wall time in a suite run on a quiet 2-core machine, 28 Nov 2026,
 * 21:10, /work/wt/suite-times-2110.jsonl in the session that made it). package.e2e and cronjob-restart are
 * not here: they run beside the rest (AFTER_TYPES, BESIDE).
 */
const LONGEST_FIRST = [
  'workflow-lifecycle',
  'cronjob-schedules',
  'cli-verbs.e2e',
  'workflow-continue-as-new',
  'cli-dev.e2e',
  'worker-crash.e2e',
  'cli-run.e2e',
  'cli-kubectl-habits.e2e',
  'workflow-behaviour',
  'client-continue-as-new.e2e',
  'cli-pipes.e2e',
  'worker-crash-continue-as-new.e2e',
  'workflow-policies',
  'activity-docker',
  'cli-config.e2e',
  'testing-api',
  'workflow-disruption',
  'workflow-deadline',
  'activity-run-pod',
  'workflow-indexed',
  'workflow-removal.e2e',
  'lifecycle.e2e',
  'workflow-hostile-input',
  'cli-input-limits',
  'workflow',
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
/** Files that need the declarations tsc writes (package.e2e packs dist/src and type-checks against it). */
const AFTER_TYPES = ['package.e2e'];
/**
 * Files that wait out real minutes on almost no CPU: cronjob-restart waits for two scheduled minutes
 * (95 s on ~7 CPU-s). In the pool it held one of the places for a third of the run.
 */
const BESIDE = ['cronjob-restart.e2e'];

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'dist', 'test');
const all = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.js') && ![...SEPARATE, ...ALONE, ...AFTER_TYPES, ...BESIDE].includes(f.replace(/\.test\.js$/, '')))
  .sort();
const rank = (f) => {
  const i = LONGEST_FIRST.indexOf(f.replace(/\.test\.js$/, ''));
  return i === -1 ? LONGEST_FIRST.length : i;
};
const files = all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((f) => path.join('dist', 'test', f));

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(4, cores + 2);

const common = [
  // Caps each file, and each test and hook in it: a stuck file fails instead of holding the run.
  '--test-timeout=480000',
  // Fails a file whose process stays open after its last test (a worker or server left behind).
  '--require',
  './dist/test/helpers/guard.js',
  ...process.argv.slice(2),
];
const existing = (names) => names.map((f) => path.join('dist', 'test', `${f}.test.js`)).filter((f) => fs.existsSync(path.join(root, f)));
const alone = existing(ALONE);
const afterTypes = existing(AFTER_TYPES);
const beside = existing(BESIDE);

/** Runs node with `args` (node's test runner, or tsc); resolves with its exit code. */
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
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

/** The type check, writing only declarations (swc wrote the JavaScript); its errors go to stderr as tsc prints them. */
async function typeCheck() {
  const code = await run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly']);
  if (code !== 0) process.stderr.write(`npm test: the type check (tsc -p tsconfig.json) failed with exit code ${code}\n`);
  return code;
}

(async () => {
  const [side, [types, packed], waited] = await Promise.all([
    run(['--test', `--test-concurrency=${concurrency}`, ...common, ...files]),
    typeCheck().then(async (types) => [types, afterTypes.length > 0 ? await run(['--test', ...common, ...afterTypes]) : 0]),
    beside.length > 0 ? run(['--test', '--test-concurrency=1', ...common, ...beside]) : 0,
  ]);
  const after = alone.length > 0 ? await run(['--test', '--test-concurrency=1', ...common, ...alone]) : 0;
  process.exit([types, side, packed, waited, after].find((c) => c !== 0) ?? 0);
})();
