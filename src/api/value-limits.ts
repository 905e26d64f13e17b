// Limits on a decoded value (a parsed manifest, a Job object, a workflow input): nesting depth and
// size, checked without recursion so that hostile input can neither overflow the stack nor keep the
// validators busy. No YAML here: workflow code imports this module (see ./input-limits.ts for text).
import { ManifestError } from './errors';

/** kube-apiserver's default --max-request-body-bytes. */
export const MAX_MANIFEST_BYTES = 3 * 1024 * 1024;
/** Levels of mappings and lists a manifest may nest; no Job field is anywhere near it. */
export const MAX_NESTING_DEPTH = 100;

/**
 * Objects (documents, and items of `kind: List`) one manifest may hold. Kubernetes has no such limit
 * (kubectl sends one request per object); durable-jobs has one because a text of 3 MiB can hold 780,000
 * empty documents, which took the YAML parser 15 s and 900 MB. 10,000 Jobs is far past any real file.
 */
export const MAX_MANIFEST_OBJECTS = 10_000;

export function tooMany(source: string | undefined, what: string): ManifestError {
  return new ManifestError(`${prefixed(source)}more than ${MAX_MANIFEST_OBJECTS} ${what} (the limit for one manifest)`, 'TooMany', source);
}

export function prefixed(source: string | undefined): string {
  return source ? `${JSON.stringify(source)}: ` : '';
}

export function tooLarge(source: string | undefined, size: number | undefined, what = 'Request entity too large'): ManifestError {
  const got = size === undefined ? '' : size > MAX_MANIFEST_BYTES ? ` (got ${size} bytes)` : ` (got more than ${MAX_MANIFEST_BYTES} bytes)`;
  return new ManifestError(
    `${prefixed(source)}${what}: limit is ${MAX_MANIFEST_BYTES} bytes (3 MiB, the Kubernetes API server's request body limit)${got}`,
    'RequestEntityTooLarge',
    source,
  );
}

export function tooDeep(source: string | undefined, where: string): ManifestError {
  return new ManifestError(`${prefixed(source)}${where}: nested more than ${MAX_NESTING_DEPTH} levels deep (the limit for a manifest)`, 'TooDeep', source);
}

interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
  depth: number;
}

/** Where a value sits, as a field path; a long path keeps its start and end. */
function pathOf(visit: Visit): string {
  const keys: Array<string | number> = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) keys.unshift(v.key);
  const parts = keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${k}`));
  if (parts.length === 0) return '<root>';
  if (parts.length <= 12) return parts.join('');
  return `${parts.slice(0, 6).join('')}.(${parts.length - 9} more)${parts.slice(-3).join('')}`;
}

function expandsTooMuch(source: string | undefined, visit: Visit): ManifestError {
  return tooLarge(source, undefined, `${pathOf(visit)}: the object (with YAML aliases expanded) exceeds the request size limit`);
}

/**
 * Depth and expanded size of a decoded value, without recursion: deeper than MAX_NESTING_DEPTH, or more
 * than MAX_MANIFEST_BYTES once YAML aliases are expanded (an aliased node counts every time it is
 * reached, as in the JSON kubectl would send), is refused with the path where the limit was crossed.
 * Sizes count characters without JSON's quotes and punctuation, so plain YAML never counts more than
 * its own text. Stops at the first limit, so its time and memory are bounded whatever the input.
 * `alreadyUsed` carries the count over the documents of one text (whose own size is within the limit,
 * so only aliases could take several documents past it); the new total is returned.
 */
export function checkValueLimits(value: unknown, source?: string, alreadyUsed = 0): number {
  const stack: Visit[] = [{ value, key: undefined, parent: undefined, depth: 0 }];
  let size = alreadyUsed;
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const v = visit.value;
    size += 1;
    if (typeof v === 'string') size += v.length;
    else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') size += 4;
    else if (v !== null && typeof v === 'object') {
      if (visit.depth >= MAX_NESTING_DEPTH) throw tooDeep(source, pathOf(visit));
      const depth = visit.depth + 1;
      // Each child counts at least 1: a wide list over the limit is refused before it is stacked.
      if (Array.isArray(v) && size + v.length > MAX_MANIFEST_BYTES) throw expandsTooMuch(source, visit);
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: visit, depth });
      } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
        const keys = Object.keys(v);
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i];
          size += k.length;
          stack.push({ value: (v as Record<string, unknown>)[k], key: k, parent: visit, depth });
        }
      }
    }
    if (size > MAX_MANIFEST_BYTES) throw expandsTooMuch(source, visit);
  }
  return size;
}

