// successPolicy (JOB-SEMANTICS 5): whether the succeeded indexes already satisfy one of the rules.
import type { SuccessPolicy } from '../api/types';
import { countIndexes, parseIndexes, type IndexRanges } from '../api/indexes';

/** "Matched rules at index <i>" for the first matching rule (5.1), or undefined. */
export function matchSuccessPolicy(policy: SuccessPolicy | undefined, completions: number, completed: IndexRanges): string | undefined {
  if (!policy || countIndexes(completed) === 0) return undefined;
  for (const [i, rule] of policy.rules.entries()) {
    if (matchesRule(rule.succeededIndexes, rule.succeededCount, completions, completed)) return `Matched rules at index ${i}`;
  }
  return undefined;
}

function matchesRule(indexes: string | undefined, count: number | undefined, completions: number, completed: IndexRanges): boolean {
  if (indexes === undefined) return count !== undefined && countIndexes(completed) >= count;
  // Read leniently, as the controller does: indexes beyond completions (after an elastic scale-down)
  // drop out, and a set left empty matches nothing.
  const wanted = parseIndexes(indexes, completions);
  if (wanted.length === 0) return false;
  const inside = countIndexes(intersect(wanted, completed));
  return count === undefined ? inside === countIndexes(wanted) : inside >= count;
}

function intersect(a: IndexRanges, b: IndexRanges): IndexRanges {
  const out: IndexRanges = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}
