// Loaded into every test file's process (`node --test --require`, see package.json): once a file's
// tests are done, anything still holding its process open (a worker that outlived a timed-out test, a
// server whose teardown failed) gets a short grace, then the file fails, naming what was open, instead
// of holding the whole run. `--test-timeout` caps each file (and each test and hook in it) as well.
import { after } from 'node:test';

const GRACE_S = 15;

function handles(): string {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${r} x${n}`).join(', ') || 'none listed';
}

/** The file's cap from the runner's `--test-timeout=N`, which the file's process gets as well. */
function fileTimeoutMs(): number | undefined {
  const ms = Number(process.execArgv.find((a) => a.startsWith('--test-timeout='))?.slice('--test-timeout='.length));
  return ms > 0 ? ms : undefined;
}

// The runner's own process loads this too; only a test file's process, which the runner marks with
// NODE_TEST_CONTEXT, is guarded.
if (process.env.NODE_TEST_CONTEXT) {
  // Node 20's runner reports a file that passed its --test-timeout as failed but does not end its process,
  // and waits for it: a test stuck in a hook or a worker's shutdown held the whole run (seen: 10 min at
  // load 200, after workflow-disruption timed out). Past the cap and the grace, the file ends itself
  // (its `exit` handlers stop the servers it started). unref: it never keeps a finished file alive.
  const cap = fileTimeoutMs();
  if (cap !== undefined) {
    setTimeout(() => {
      process.stderr.write(`\n[test guard] ${process.argv[1] ?? 'test file'} still running ${GRACE_S} s past its --test-timeout of ${cap} ms; still open: ${handles()}\n`);
      process.exit(1);
    }, cap + GRACE_S * 1000).unref();
  }
  after(() => {
    // The grace is counted in ticks of an idle event loop, not in wall time: this hook runs before the
    // file's own `after` hooks, and a synchronous one (removing a large temp tree on a loaded machine)
    // can hold the loop longer than the grace while nothing is wrong. unref: a process with nothing left
    // open exits at once and never sees a tick.
    let ticks = 0;
    setInterval(() => {
      if (++ticks < GRACE_S) return;
      process.stderr.write(`\n[test guard] ${process.argv[1] ?? 'test file'} did not exit within ${GRACE_S} s of its last test; still open: ${handles()}\n`);
      process.exit(1);
    }, 1000).unref();
  });
}
