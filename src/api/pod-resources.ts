// What a container asks of its host beyond its command: resource limits (Kubernetes quantities) and the
// user it runs as (securityContext). Pure: the process runtime's sandbox enforces them
// (src/activities/sandbox.ts, src/activities/cgroup.ts); manifest validation reports bad values early.
import type { Container, PodSpec } from './types';

/** A parsed `resources.limits`: bytes of memory and thousandths of a CPU. */
export interface ContainerLimits {
  memoryBytes?: number;
  milliCpu?: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
/** resource.Quantity's grammar: a signed decimal number, then a binary/decimal suffix or an exponent. */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** A Kubernetes quantity ("256Mi", "0.5", "500m", "1e3") as a number in base units. */
export function parseQuantity(text: unknown): Parsed<number> {
  const s = typeof text === 'number' ? String(text) : text;
  if (typeof s !== 'string') return { ok: false, message: 'must be a quantity such as "256Mi" or "500m"' };
  const m = QUANTITY.exec(s);
  if (!m) return { ok: false, message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" };
  const number = Number(m[1]);
  const suffix = m[2] ?? '';
  const scale = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
  const value = number * scale;
  if (!Number.isFinite(value)) return { ok: false, message: 'is too large' };
  return { ok: true, value };
}

/** The container's `resources.limits.memory` and `.cpu`, or which one is not a quantity. */
export function containerLimits(container: Container): Parsed<ContainerLimits> {
  const limits = record(record(container.resources)?.limits);
  if (limits === undefined) return { ok: true, value: {} };
  const out: ContainerLimits = {};
  for (const [key, field] of [['memory', 'memoryBytes'], ['cpu', 'milliCpu']] as const) {
    const raw = limits[key];
    if (raw === undefined || raw === null) continue;
    const q = parseQuantity(raw);
    if (!q.ok) return { ok: false, message: `resources.limits.${key}: Invalid value: ${JSON.stringify(raw)}: ${q.message}` };
    if (q.value <= 0) return { ok: false, message: `resources.limits.${key}: Invalid value: ${JSON.stringify(raw)}: must be greater than 0` };
    out[field] = key === 'memory' ? Math.ceil(q.value) : Math.ceil(q.value * 1000);
  }
  return { ok: true, value: out };
}

/** The uid and gid a container runs as: its own securityContext wins over the pod's, field by field. */
export function runAsIdentity(spec: PodSpec, container: Container): { uid?: number; gid?: number } {
  const pod = record(spec.securityContext);
  const own = record(container.securityContext);
  const pick = (key: 'runAsUser' | 'runAsGroup'): number | undefined => {
    for (const ctx of [own, pod]) {
      const v = ctx?.[key];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    }
    return undefined;
  };
  const uid = pick('runAsUser');
  const gid = pick('runAsGroup');
  return { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
