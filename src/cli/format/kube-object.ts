// Objects in the JSON shape the Kubernetes API serves, as `kubectl get -o json` prints them.
//
// kubectl decodes server responses into maps (unstructured), so every object it prints has its keys in
// sorted order at every level, and fields follow Go's `omitempty` rules: a zero int32 is dropped, a pointer
// (`*int32`, `*string`, `*struct`) is kept whenever it is set, even to zero or "". Timestamps are metav1.Time:
// RFC 3339 in UTC with whole seconds (./time.ts).

export type KubeObject = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The object as Go's encoding/json prints a map: keys sorted at every level, and `undefined` (our
 * stand-in for an omitted field) dropped. `null` is kept: metav1.Time prints a zero time as null.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const v = value[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  return out;
}

export function nonEmpty<T extends object>(map: T | undefined): T | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}

/** int32 with `omitempty`: zero is not printed. */
export function omitZero(n: number): number | undefined {
  return n === 0 ? undefined : n;
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

/** Several objects as kubectl prints them together (`kind: List`). */
export function kubeList(items: KubeObject[]): KubeObject {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}
