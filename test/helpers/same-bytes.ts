// Byte-for-byte comparison of a command's output that explains a failure by itself: where the output
// first differs, the bytes around that place on both sides, whether the surplus repeats bytes printed
// earlier (and which), and the command's stderr. assert.equal on megabyte strings says none of that.
import assert from 'node:assert/strict';

const AROUND = 80;
const STDERR_SHOWN = 4000;

/** Where `a` and `b` first differ, or -1 when they are equal. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function window(bytes: Buffer, at: number): string {
  const from = Math.max(0, at - AROUND);
  return `[${from}..${Math.min(bytes.length, at + AROUND)}) ${JSON.stringify(bytes.subarray(from, at).toString('latin1'))} | ${JSON.stringify(bytes.subarray(at, at + AROUND).toString('latin1'))}`;
}

/**
 * When `actual` has bytes that `expected` does not have at `at`, and the output after them continues as
 * expected, the surplus is `actual[at, at + extra)`: says so, and where in `expected` those bytes also are.
 */
function surplus(actual: Buffer, expected: Buffer, at: number): string | undefined {
  const extra = actual.length - expected.length;
  if (extra <= 0) return undefined;
  if (!actual.subarray(at + extra).equals(expected.subarray(at))) return undefined;
  const inserted = actual.subarray(at, at + extra);
  const seen = expected.indexOf(inserted);
  const where = seen < 0 ? 'bytes that are nowhere in the expected output' : `a copy of expected[${seen}..${seen + extra}) (${at - seen} bytes back from where they were inserted)`;
  return `the only difference: ${extra} bytes inserted at offset ${at}, ${where}: ${JSON.stringify(inserted.subarray(0, 2 * AROUND).toString('latin1'))}${extra > 2 * AROUND ? '…' : ''}`;
}

/** A readable account of how `actual` differs from `expected`; undefined when they are equal. */
export function describeDifference(actual: string | Buffer, expected: string | Buffer): string | undefined {
  const a = typeof actual === 'string' ? Buffer.from(actual) : actual;
  const e = typeof expected === 'string' ? Buffer.from(expected) : expected;
  const at = firstDifference(a, e);
  if (at < 0) return undefined;
  const lines = [
    `got ${a.length} bytes, expected ${e.length} (${a.length - e.length >= 0 ? '+' : ''}${a.length - e.length}); first difference at offset ${at}`,
    `  got:      ${window(a, at)}`,
    `  expected: ${window(e, at)}`,
  ];
  const more = surplus(a, e, at);
  if (more) lines.push(`  ${more}`);
  return lines.join('\n');
}

/** Fails with describeDifference's account and the command's stderr when the bytes differ. */
export function assertSameBytes(actual: string | Buffer, expected: string | Buffer, what: string, stderr = ''): void {
  const diff = describeDifference(actual, expected);
  if (diff === undefined) return;
  const err = stderr.length > STDERR_SHOWN ? `…${stderr.slice(-STDERR_SHOWN)}` : stderr;
  assert.fail(`${what}: the output differs\n${diff}\n--- stderr ---\n${err}`);
}
