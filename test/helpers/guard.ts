// Loaded into every test file's process (`node --test --require`, see package.json): once a file's
// tests are done, anything still holding its process open (a worker that outlived a timed-out test, a
// server whose teardown failed) gets a short grace, then the file fails, naming what was open, instead
// of holding the whole run. `--test-timeout` caps each file (and each test and hook in it) as well.
import { after } from 'node:test';

const GRACE_MS = 15_000;

function handles(): string {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${r} x${n}`).join(', ') || 'none listed';
}

// The runner's own process loads this too; only a test file's process, which the runner marks with
// NODE_TEST_CONTEXT, is guarded.
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    // unref: a process with nothing left open exits at once and never sees this timer.
    setTimeout(() => {
      process.stderr.write(`\n[test guard] ${process.argv[1] ?? 'test file'} did not exit within ${GRACE_MS / 1000} s of its last test; still open: ${handles()}\n`);
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
