// Structural comparison and JSON merge patches (RFC 7386), for `apply` on an existing Job.

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep equality of JSON values; key order does not matter, `undefined` fields count as absent. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/**
 * The merge patch that turns `from` into `to` for the fields `to` sets. Fields only `from` has are kept,
 * as `kubectl apply` keeps fields it did not set itself (we have no last-applied record to know better).
 * Returns undefined when nothing changes.
 */
export function mergePatchFor(from: unknown, to: unknown): unknown {
  if (isPlainObject(from) && isPlainObject(to)) {
    const patch: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(to)) {
      if (v === undefined) continue;
      const p = mergePatchFor(from[k], v);
      if (p !== undefined) patch[k] = p;
    }
    return Object.keys(patch).length > 0 ? patch : undefined;
  }
  return jsonEqual(from, to) ? undefined : to;
}

/** RFC 7386, the same function the workflow's update validators apply. */
export { mergePatch as applyMergePatch } from '../api/update';
