// Label selectors and label maps printed as apimachinery prints them.
import type { LabelSelector, Labels } from '../../client';

const BY_CODE_UNIT = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * labels.Selector.String() of metav1.LabelSelectorAsSelector: requirements sorted by key (matchLabels
 * become `k=v`), set values sorted, joined by commas. An absent selector selects nothing and an empty one
 * everything; both print as "".
 */
export function selectorString(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const reqs: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort(BY_CODE_UNIT);
    const set = values.length === 1 ? values[0] : values.join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${set})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${set})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  // Array.prototype.sort is stable, so requirements on the same key keep their order.
  return reqs
    .sort((a, b) => BY_CODE_UNIT(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: the selector string, or `<none>` when it is empty. */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  const s = selectorString(selector);
  return s === '' ? '<none>' : s;
}

/** Keys in Go's sort.Strings order (byte order; the same as UTF-16 order for the ASCII of label keys). */
export function sortedKeys(map: Labels | undefined): string[] {
  return Object.keys(map ?? {}).sort(BY_CODE_UNIT);
}
