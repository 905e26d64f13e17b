// Index sets of Indexed Jobs (status.completedIndexes, status.failedIndexes, successPolicy's
// succeededIndexes) in Kubernetes' interval-string format, e.g. "1,3-5,7".
//
// Sets are kept as ranges: sorted, non-overlapping, non-adjacent `[first, last]` pairs in plain arrays,
// so a Job with 100,000 completions stays small and JSON-serialisable (workflow state, queries).
// Everything here is pure and deterministic: the controller imports it.
import { goQuote } from './go-format';

/** Inclusive `[first, last]` index ranges in canonical form (sorted, disjoint, never touching). */
export type IndexRanges = Array<[number, number]>;

/** Position of the first range whose `last` is >= i (ranges.length if none). */
function lowerBound(ranges: IndexRanges, i: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ranges[mid]?.[1] ?? Infinity) >= i) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function hasIndex(ranges: IndexRanges, i: number): boolean {
  const r = ranges[lowerBound(ranges, i)];
  return r !== undefined && r[0] <= i;
}

export function countIndexes(ranges: IndexRanges): number {
  let n = 0;
  for (const [first, last] of ranges) n += last - first + 1;
  return n;
}

/** The set with `[first, last]` added (a new array; the input is not modified). */
export function addRange(ranges: IndexRanges, first: number, last: number): IndexRanges {
  if (last < first) return ranges.map(([a, b]): [number, number] => [a, b]);
  // Ranges that overlap or touch [first, last] are merged into it.
  const start = lowerBound(ranges, first - 1);
  let end = start;
  let lo = first;
  let hi = last;
  for (; end < ranges.length; end++) {
    const r = ranges[end];
    if (r === undefined || r[0] > last + 1) break;
    lo = Math.min(lo, r[0]);
    hi = Math.max(hi, r[1]);
  }
  const copy = (r: [number, number]): [number, number] => [r[0], r[1]];
  return [...ranges.slice(0, start).map(copy), [lo, hi], ...ranges.slice(end).map(copy)];
}

export function addIndex(ranges: IndexRanges, i: number): IndexRanges {
  return addRange(ranges, i, i);
}

export function removeIndex(ranges: IndexRanges, i: number): IndexRanges {
  const out: IndexRanges = [];
  for (const [a, b] of ranges) {
    if (i < a || i > b) out.push([a, b]);
    else {
      if (a < i) out.push([a, i - 1]);
      if (i < b) out.push([i + 1, b]);
    }
  }
  return out;
}

export function unionRanges(a: IndexRanges, b: IndexRanges): IndexRanges {
  let out = a.map(([x, y]): [number, number] => [x, y]);
  for (const [x, y] of b) out = addRange(out, x, y);
  return out;
}

/** Ranges of a list of indexes, in any order, duplicates allowed. */
export function rangesFromIndexes(indexes: Iterable<number>): IndexRanges {
  const sorted = [...new Set(indexes)].sort((x, y) => x - y);
  const out: IndexRanges = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === i - 1) last[1] = i;
    else out.push([i, i]);
  }
  return out;
}

/** The indexes of a set, ascending. */
export function indexesOf(ranges: IndexRanges): number[] {
  const out: number[] = [];
  for (const [a, b] of ranges) for (let i = a; i <= b; i++) out.push(i);
  return out;
}

/** The lowest `count` indexes in [0, completions) that are in none of the given sets (IJU firstPendingIndexes). */
export function firstMissingIndexes(count: number, completions: number, ...excluded: IndexRanges[]): number[] {
  const taken = excluded.reduce<IndexRanges>((acc, r) => unionRanges(acc, r), []);
  const out: number[] = [];
  let next = 0;
  for (const [a, b] of [...taken, [completions, completions] as [number, number]]) {
    for (let i = next; i < Math.min(a, completions) && out.length < count; i++) out.push(i);
    if (out.length >= count || a >= completions) break;
    next = b + 1;
  }
  return out;
}

/**
 * Kubernetes' interval string (IJU orderedIntervals.String): runs of three or more as `first-last`,
 * a run of two as `a,b`. {1,3,4,5,7} gives "1,3-5,7"; {0,1} gives "0,1"; none gives "".
 */
export function formatRanges(ranges: IndexRanges): string {
  const parts: string[] = [];
  for (const [first, last] of ranges) {
    if (last === first) parts.push(String(first));
    else if (last === first + 1) parts.push(`${first},${last}`);
    else parts.push(`${first}-${last}`);
  }
  return parts.join(',');
}

/** The interval string of sorted indexes or of ranges. */
export function formatIndexes(indexes: readonly number[] | IndexRanges): string {
  return formatRanges(isRanges(indexes) ? indexes : rangesFromIndexes(indexes));
}

function isRanges(x: readonly number[] | IndexRanges): x is IndexRanges {
  return x.length > 0 && Array.isArray(x[0]);
}

// Go's strconv.Atoi: optional sign, decimal digits, within int64.
const ATOI = /^[+-]?[0-9]+$/;
const INT64_MAX = 9223372036854775807n;
function atoi(s: string): number | undefined {
  if (!ATOI.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX || n < -INT64_MAX - 1n ? undefined : Number(n);
}

/**
 * Lenient parse, as the controller reads its own status (IJU parseIndexesFromString): corrupt pieces
 * are skipped, parsing stops at the first index >= completions, and a range's end is clamped to
 * completions-1. Unlike Kubernetes, out-of-order pieces are merged rather than kept as given, so the
 * result is always canonical.
 */
export function parseIndexes(s: string, completions: number): IndexRanges {
  let out: IndexRanges = [];
  if (s === '') return out;
  for (const piece of s.split(',')) {
    const limits = piece.split('-');
    const first = atoi(limits[0] ?? '');
    if (first === undefined) continue;
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      const parsed = atoi(limits[1] ?? '');
      if (parsed === undefined) continue;
      last = Math.min(parsed, completions - 1);
    }
    if (first < 0 || last < first) continue;
    out = addRange(out, first, last);
  }
  return out;
}

export type IndexesFormatResult = { total: number; error?: undefined } | { total: 0; error: string };

function parseIndexInterval(piece: string, completions: number): [number, number] | string {
  const limits = piece.split('-');
  if (limits.length > 2)
    return `the fragment ${goQuote(piece)} violates the requirement that an index interval can have at most two parts separated by '-'`;
  const xs = limits[0] ?? '';
  const x = atoi(xs);
  if (x === undefined) return `cannot convert string to integer for index: ${goQuote(xs)}`;
  if (x >= completions) return `too large index: ${goQuote(xs)}`;
  if (limits.length === 1) return [x, x];
  const ys = limits[1] ?? '';
  const y = atoi(ys);
  if (y === undefined) return `cannot convert string to integer for index: ${goQuote(ys)}`;
  if (y >= completions) return `too large index: ${goQuote(ys)}`;
  if (x >= y) return `non-increasing order, previous: ${x}, current: ${y}`;
  return [x, y];
}

/**
 * Strict check of an interval string (VAL validateIndexesFormat), with Kubernetes' messages; returns the
 * number of indexes it names. "" is valid and names none.
 */
export function validateIndexesFormat(s: string, completions: number): IndexesFormatResult {
  if (s === '') return { total: 0 };
  let previous: number | undefined;
  let total = 0;
  for (const piece of s.split(',')) {
    const interval = parseIndexInterval(piece, completions);
    if (typeof interval === 'string') return { total: 0, error: interval };
    const [x, y] = interval;
    if (previous !== undefined && previous >= x) return { total: 0, error: `non-increasing order, previous: ${previous}, current: ${x}` };
    total += y - x + 1;
    previous = y;
  }
  return { total };
}
