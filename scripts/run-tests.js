#!/usr/bin/env node
// `npm test`: each built test file under node's test runner in a process of its own, several at a time in
// the order below, and beside them the type check and the files that mostly wait.
//
// Most of the suite's wall time is waiting (pods' grace periods, timers, servers answering), not CPU,
// so files run side by side: TEST_CONCURRENCY of them at once (default: two more than the cores, at least
// 4). On 2 cores, two at a time took the suite's ~400 CPU-s 397 s, under one core busy on average; three
// at a time ~5.5 min with 450 CPU-s in 329 s (68% of the two cores busy), in name order (see runFiles).
// Files start longest first, so that a long file never starts last and holds the run alone; files not
// listed follow in name order. Four at a time in that order, after the files' own cuts: 224-236 s in three
// runs in a row on a quiet machine, ~400 CPU-s (the two cores ~85% busy), 28 Nov 2026, 22:24-22:36.
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
 * 21:10, then the time-skipping files again after they shared one worker each, ~22:10). package.e2e and
 * cronjob-restart are not here: they run beside the rest (AFTER_TYPES, BESIDE).
 */
const LONGEST_FIRST = [
  'cronjob-schedules',
  'cli-verbs.e2e',
  'workflow-lifecycle',
  // Mostly waiting (a heartbeat timeout): beside the three above rather than a fourth time-skipping file.
  'worker-crash.e2e',
  'cli-dev.e2e',
  'cli-run.e2e',
  'workflow-behaviour',
  'workflow-continue-as-new',
  'cli-kubectl-habits.e2e',
  'client-continue-as-new.e2e',
  'testing-api',
  'cli-pipes.e2e',
  'worker-crash-continue-as-new.e2e',
  'activity-docker',
  'cli-config.e2e',
  'activity-run-pod',
  'workflow-disruption',
  'workflow-removal.e2e',
  'lifecycle.e2e',
  'worker-pod-sweeper',
  'cli-input-limits',
  'workflow-policies',
  'workflow-indexed',
  'workflow-deadline',
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
const ordered = all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((f) => path.join('dist', 'test', f));

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(4, cores + 2);

const userArgs = process.argv.slice(2);
const common = [
  // Caps each file, and each test and hook in it: a stuck file fails instead of holding the run.
  '--test-timeout=480000',
  // Fails a file whose process stays open after its last test (a worker or server left behind).
  '--require',
  './dist/test/helpers/guard.js',
  // Each file's report is printed whole once it ends: on a terminal, the spec reporter people read.
  ...(process.stdout.isTTY && !userArgs.some((a) => a.startsWith('--test-reporter')) ? ['--test-reporter=spec'] : []),
  ...userArgs,
];
/**
 * The files listed above start one by one; the rest (each a few seconds, most under one) follow in
 * `concurrency` batches, each one `node --test` running its files one after another: a runner process per
 * file cost ~0.17 CPU-s, ~8 CPU-s over the ~50 short files.
 */
const listed = ordered.filter((f) => rank(path.basename(f)) < LONGEST_FIRST.length);
const short = ordered.filter((f) => rank(path.basename(f)) === LONGEST_FIRST.length);
const batchCount = Math.min(concurrency, short.length);
const batches = Array.from({ length: batchCount }, (_, i) => short.filter((_, j) => j % batchCount === i));
const jobs = [...listed.map((f) => [f]), ...batches];
const existing = (names) => names.map((f) => path.join('dist', 'test', `${f}.test.js`)).filter((f) => fs.existsSync(path.join(root, f)));
const alone = existing(ALONE);
const afterTypes = existing(AFTER_TYPES);
const beside = existing(BESIDE);

const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill(sig);
    process.exitCode = 1;
  });
}

/** Runs node with `args`, its output straight through (tsc); resolves with its exit code. */
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    children.add(child);
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const results = [];

/**
 * Test files under node's test runner, one after another, each in a process of its own; the report is
 * held and printed whole when it ends, so that the reports of files running side by side do not interleave. (`node --test a b c`
 * with --test-concurrency would run them side by side too, but node 20 sorts the files by name: the
 * longest-first order below was never the order they ran in, and workflow-lifecycle, the longest, started
 * last.)
 */
function runFiles(list) {
  const started = Date.now();
  const file = list.length === 1 ? list[0] : `${list.length} files (${list.map((f) => path.basename(f, '.test.js')).join(', ')})`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...common, ...list], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('close', (code, signal) => {
      children.delete(child);
      const report = Buffer.concat(chunks).toString();
      const count = (key) => {
        const all = [...report.matchAll(new RegExp(`^(?:# |ℹ )${key} (\\d+)$`, 'gm'))];
        return all.length > 0 ? Number(all[all.length - 1][1]) : 0;
      };
      const result = { file, code: code ?? (signal ? 1 : 0), tests: count('tests'), pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped'), seconds: (Date.now() - started) / 1000 };
      results.push(result);
      process.stdout.write(report.endsWith('\n') || report === '' ? report : `${report}\n`);
      process.stdout.write(
        `# ${result.code === 0 ? 'ok' : 'FAILED'} ${file}: ${result.pass}/${result.tests} passed${result.fail ? `, ${result.fail} failed` : ''}${result.cancelled ? `, ${result.cancelled} cancelled` : ''}${result.skipped ? `, ${result.skipped} skipped` : ''}${result.code !== 0 && result.fail === 0 ? `, exit code ${result.code}` : ''} (${result.seconds.toFixed(1)} s)\n`,
      );
      resolve(result.code);
    });
  });
}

/** `list` (jobs: lists of files) in its order, `n` at a time; resolves with the first non-zero exit code, or 0. */
async function pool(list, n) {
  let next = 0;
  const codes = [];
  await Promise.all(
    Array.from({ length: Math.min(n, list.length) }, async () => {
      while (next < list.length) codes.push(await runFiles(list[next++]));
    }),
  );
  return codes.find((c) => c !== 0) ?? 0;
}

/** The type check, writing only declarations (swc wrote the JavaScript); its errors go to stderr as tsc prints them. */
async function typeCheck() {
  // At the usual priority: at a low one (tried: nice 19) it finishes only when the test files leave the
  // cores idle, which a busy pool does late, and package.e2e, which waits for it, then ends the run alone.
  const code = await run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly']);
  if (code !== 0) process.stderr.write(`npm test: the type check (tsc -p tsconfig.json) failed with exit code ${code}\n`);
  return code;
}

(async () => {
  const started = Date.now();
  const [side, [types, packed], waited] = await Promise.all([
    pool(jobs, concurrency),
    typeCheck().then(async (types) => [types, await pool(afterTypes.map((f) => [f]), 1)]),
    pool(beside.map((f) => [f]), beside.length),
  ]);
  const after = await pool(alone.map((f) => [f]), 1);
  const sum = (k) => results.reduce((n, r) => n + r[k], 0);
  const failed = results.filter((r) => r.code !== 0);
  process.stdout.write(
    `\n# npm test: ${listed.length + short.length + afterTypes.length + beside.length + alone.length} files, ${sum('tests')} tests, ${sum('pass')} passed, ${sum('fail')} failed, ${sum('cancelled')} cancelled, ${sum('skipped')} skipped; type check ${types === 0 ? 'ok' : 'FAILED'}; ${((Date.now() - started) / 1000).toFixed(0)} s with ${concurrency} files at a time\n`,
  );
  for (const r of failed) process.stdout.write(`# FAILED ${r.file} (exit code ${r.code})\n`);
  process.exit([types, side, packed, waited, after].find((c) => c !== 0) ?? 0);
})();
