// Limits on what a manifest may be before it is parsed, decoded and validated, so that hostile input is
// refused in milliseconds and bounded memory (the YAML parser, zod and the validators all recurse and
// copy; given a 50 MB or 25-million-deep document they ran out of heap or stack).
//
// The limits are the Kubernetes API server's where it has one:
// - a request body is at most 3 MiB (kube-apiserver --max-request-body-bytes, default 3 * 1024 * 1024,
//   answered with 413 "Request entity too large: limit is 3145728"); kubectl sends each object as JSON,
//   so an object whose YAML aliases expand past 3 MiB is refused too;
// - names, labels and annotations (256 KiB in total) are checked by ./validation.ts as Kubernetes does.
// Nesting: Kubernetes' decoders stop at 10000 levels (encoding/json's maxNestingDepth, go-yaml's
// max_flow_level and max_indents). A Job needs about 15; JavaScript's recursive parser and validators do
// not survive 10000, so durable-jobs stops at MAX_NESTING_DEPTH.
import { type Document, LineCounter, Lexer, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { JobValidationError, ManifestError } from './errors';
import { type FieldError, invalid, pushAll, required } from './field-errors';
import { validateAnnotations, validateLabels } from './label-validation';
import { isDNS1123Label } from './names';
import type { Labels } from './types';
import { MAX_MANIFEST_BYTES, MAX_MANIFEST_OBJECTS, MAX_NESTING_DEPTH, checkValueLimits, prefixed, tooDeep, tooLarge, tooMany } from './value-limits';

export { MAX_MANIFEST_BYTES, MAX_MANIFEST_OBJECTS, MAX_NESTING_DEPTH, checkValueLimits } from './value-limits';

/**
 * The error for a manifest over the size limit, for readers that know its size (a file's stat) or only
 * that it goes on past the limit (a pipe read up to the limit plus one byte: pass no size).
 */
export function manifestTooLarge(source: string | undefined, size?: number): ManifestError {
  return tooLarge(source, size ?? MAX_MANIFEST_BYTES);
}

/** 1-based line and column (in characters) of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** Offset of the first byte that is not part of well-formed UTF-8 (WHATWG rules), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < lo || c > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a manifest read as bytes: refused when over MAX_MANIFEST_BYTES (before anything is
 * decoded) or when it is not UTF-8 (with the byte offset, line and column), instead of silently
 * replacing bad bytes with U+FFFD as Node's 'utf8' reading does. UTF-16 with a byte order mark is
 * read as kubectl reads it.
 */
export function decodeManifest(bytes: Uint8Array, source?: string): string {
  if (bytes.length > MAX_MANIFEST_BYTES) throw tooLarge(source, bytes.length);
  // kubectl also reads UTF-16 that starts with its byte order mark (cli-runtime's BOMOverride).
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined;
  if (utf16 !== undefined) {
    try {
      return new TextDecoder(utf16, { fatal: true }).decode(bytes);
    } catch {
      throw new ManifestError(`${prefixed(source)}invalid ${utf16.toUpperCase()}: the text after its byte order mark does not decode`, 'InvalidEncoding', source);
    }
  }
  try {
    return utf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = utf8.decode(bytes.subarray(0, Math.max(at, 0)));
    const { line, col } = lineAndColumn(before, before.length);
    throw new ManifestError(
      `${prefixed(source)}invalid UTF-8 at byte ${at} (line ${line}, column ${col}): byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')}`,
      'InvalidEncoding',
      source,
      line,
      col,
    );
  }
}

/**
 * The same limits for a manifest given as a string (the client's door): its UTF-8 size, and no lone
 * surrogate (a string that cannot be UTF-8 at all). Counts without encoding the whole string.
 */
export function checkManifestText(text: string, source?: string): void {
  // Every UTF-16 unit is at least one UTF-8 byte.
  if (text.length > MAX_MANIFEST_BYTES) throw tooLarge(source, MAX_MANIFEST_BYTES);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const { line, col } = lineAndColumn(text, i);
      throw new ManifestError(
        `${prefixed(source)}invalid UTF-8: unpaired surrogate U+${c.toString(16).toUpperCase()} at character ${i} (line ${line}, column ${col})`,
        'InvalidEncoding',
        source,
        line,
        col,
      );
    } else bytes += 3;
  }
  if (bytes > MAX_MANIFEST_BYTES) throw tooLarge(source, bytes);
}

/**
 * Refuses YAML of more than MAX_MANIFEST_OBJECTS documents, and grossly deep YAML, before the parser
 * sees it. Deep: the `yaml` parser recurses once per level and took
 * 16 s and 1.1 GB on a 2 MB `[[[[...`. Its lexer does not recurse, so it is read token by token and
 * stopped at the first line that nests too deep. The count is an overestimate (flow levels, plus
 * indentation levels, plus block indicators on the line: at most 2 per real level and 1), so it never
 * refuses a manifest that is within MAX_NESTING_DEPTH; the exact depth is checked on the parsed value.
 */
export function checkYamlNesting(text: string, source?: string): void {
  const limit = 2 * MAX_NESTING_DEPTH + 1;
  let flow = 0;
  const indents: number[] = [];
  let indicators = 0;
  let lineStart = true;
  let indent = 0;
  let offset = 0;
  // Documents: each starts with the lexer's document marker or a `---` (one of them when both).
  let documents = 0;
  let afterMarker = false;
  for (const token of new Lexer().lex(text)) {
    const first = token.charCodeAt(0);
    if (token === '\x02' || (token === '---' && !afterMarker)) {
      if (++documents > MAX_MANIFEST_OBJECTS) throw tooMany(source, 'YAML documents');
    }
    afterMarker = token === '\x02';
    if (token === '\n' || token === '\r\n') {
      lineStart = true;
      indent = 0;
      indicators = 0;
    } else if (token === '\x02' || token === '\x18' || token === '\x1f') {
      // The lexer's document, flow-error and scalar markers take no room in the text.
      offset -= token.length;
    } else if (lineStart && /^ +$/.test(token)) {
      indent = token.length;
    } else if (token === '---' || token === '...') {
      indents.length = 0;
      flow = 0;
    } else if (first === 0x23 /* # */) {
      // A comment does not open anything.
    } else {
      if (lineStart && flow === 0) {
        while (indents.length > 0 && (indents.at(-1) ?? 0) > indent) indents.pop();
        if (indents.length === 0 || (indents.at(-1) ?? 0) < indent) indents.push(indent);
      }
      lineStart = false;
      if (token === '[' || token === '{') flow++;
      else if ((token === ']' || token === '}') && flow > 0) flow--;
      else if (flow === 0 && (token === '-' || token === '?' || token === ':')) indicators++;
      if (flow + indents.length + indicators > limit) {
        const { line, col } = lineAndColumn(text, offset);
        throw tooDeep(source, `line ${line}, column ${col}`);
      }
      // A block scalar's text ends its line.
      if (token.endsWith('\n')) {
        lineStart = true;
        indent = 0;
        indicators = 0;
      }
    }
    offset += token.length;
  }
}

/**
 * Where the first repeated key of a mapping is (its offset in the text), or undefined. The parser's own
 * check compares each key with every earlier one, which took minutes on a mapping of 250,000 keys; this
 * one keeps a set per mapping. Keys compare as the parser compares them: scalars by value.
 */
export function firstDuplicateKey(doc: Document.Parsed): number | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const id = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(id)) return (pair.key as { range?: number[] } | null)?.range?.[0] ?? 0;
        seen.add(id);
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
    // Aliases are not followed: the anchored node is walked where it is defined.
  }
  return undefined;
}

/** Parser options for manifests: duplicate keys are found by firstDuplicateKey instead. */
export const YAML_PARSE_OPTIONS = { uniqueKeys: false } as const;

/**
 * One YAML (or JSON) value under the same limits as a manifest, such as `jobctl patch -p`'s patch:
 * size, encoding and nesting before parsing, depth and alias expansion after. Limits are refused with a
 * ManifestError; YAML syntax errors (and repeated keys) are thrown as the parser's errors.
 */
export function parseYamlValue(text: string, source: string): unknown {
  checkManifestText(text, source);
  checkYamlNesting(text, source);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_PARSE_OPTIONS, lineCounter });
  if (doc.errors[0]) throw doc.errors[0];
  const dup = firstDuplicateKey(doc);
  if (dup !== undefined) {
    const { line, col } = lineCounter.linePos(dup);
    throw new Error(`Map keys must be unique at line ${line}, column ${col}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  checkValueLimits(value, source);
  return value;
}

/**
 * A Job handed over as an object (JobsClient.create/apply: the door beside the manifest text): the same
 * structural limits as a manifest, then its name, namespace, labels and annotations within Kubernetes'
 * lengths, so that nothing oversized is started or stored in Temporal.
 */
export function checkJobObjectLimits(job: unknown): void {
  checkValueLimits(job, 'the Job object');
  const meta = (job as { metadata?: unknown } | null | undefined)?.metadata;
  const m = (meta !== null && typeof meta === 'object' ? meta : {}) as Record<string, unknown>;
  const name = typeof m.name === 'string' ? m.name : '';
  const errs: FieldError[] = [];
  if (typeof m.name !== 'string' || m.name === '') errs.push(required('metadata.name'));
  else errs.push(...isDNS1123Label(m.name).map((msg) => invalid('metadata.name', m.name, msg)));
  if (typeof m.namespace !== 'string' || m.namespace === '') errs.push(required('metadata.namespace'));
  else errs.push(...isDNS1123Label(m.namespace).map((msg) => invalid('metadata.namespace', m.namespace, msg)));
  const strings = (v: unknown, path: string): Labels | undefined => {
    if (v === undefined) return undefined;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Labels;
    errs.push(invalid(path, v, 'must be a map of strings'));
    return undefined;
  };
  // Not spread into push: 150,000 bad labels are 150,000 errors, past the stack's room for arguments.
  pushAll(errs, validateLabels(strings(m.labels, 'metadata.labels'), 'metadata.labels'));
  pushAll(errs, validateAnnotations(strings(m.annotations, 'metadata.annotations'), 'metadata.annotations'));
  if (errs.length > 0) throw new JobValidationError(name, errs);
}
