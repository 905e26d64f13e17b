// kubectl's JSONPath uses: `-o jsonpath=TEMPLATE` (client-go's jsonpath templates: text, `{expr}`,
// `{range expr}...{end}`, quoted literals), `-o custom-columns=HEADER:expr,...` and `--sort-by=expr`.
// Evaluating a path is left to jsonpath-plus; this module only translates kubectl's template syntax
// and prints the results as kubectl prints them.
import { JSONPath } from 'jsonpath-plus';
import { CliError } from '../output';
import { TABLE_TABWRITER, tabwrite } from './tabwriter';

type Node = { kind: 'text'; text: string } | { kind: 'path'; path: string } | { kind: 'range'; path: string; body: Node[] };

function templateError(template: string, why: string): CliError {
  return new CliError(`error: error parsing jsonpath ${template}, ${why}`);
}

/** The `{...}` actions and text of a template; a `}` inside a quoted literal or a filter string does not close. */
function actions(template: string): Array<{ action: boolean; text: string }> {
  const parts: Array<{ action: boolean; text: string }> = [];
  let i = 0;
  let text = '';
  while (i < template.length) {
    const ch = template[i];
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    if (text) parts.push({ action: false, text });
    text = '';
    let j = i + 1;
    let quote: string | undefined;
    for (; j < template.length; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= template.length) throw templateError(template, 'unclosed action');
    parts.push({ action: true, text: template.slice(i + 1, j).trim() });
    i = j + 1;
  }
  if (text) parts.push({ action: false, text });
  return parts;
}

/** A quoted literal (`{"\n"}`, `{'-'}`), unquoted as Go's strconv.Unquote would; undefined for anything else. */
function literal(action: string): string | undefined {
  const q = action[0];
  if ((q !== '"' && q !== "'") || action.length < 2 || action[action.length - 1] !== q) return undefined;
  const body = action.slice(1, -1);
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
  return body.replace(/\\(.)/g, (_m, c: string) => escapes[c] ?? c);
}

export function parseTemplate(template: string): Node[] {
  const stack: Node[][] = [[]];
  const ranges: Array<{ path: string; body: Node[] }> = [];
  for (const part of actions(template)) {
    const top = stack[stack.length - 1];
    if (!part.action) {
      top.push({ kind: 'text', text: part.text });
      continue;
    }
    const a = part.text;
    const lit = literal(a);
    if (lit !== undefined) top.push({ kind: 'text', text: lit });
    else if (a === 'end') {
      const done = ranges.pop();
      if (!done) throw templateError(template, 'not in range, nothing to end');
      stack.pop();
      stack[stack.length - 1].push({ kind: 'range', ...done });
    } else if (/^range\s/.test(a)) {
      const r = { path: toJsonPathPlus(a.slice(6).trim()), body: [] as Node[] };
      ranges.push(r);
      stack.push(r.body);
    } else top.push({ kind: 'path', path: toJsonPathPlus(a) });
  }
  if (ranges.length > 0) throw templateError(template, 'unclosed range');
  return stack[0];
}

/**
 * kubectl's path (`.items[*].metadata.name`, `$.x`, `@.x`, `.metadata.labels.app\.kubernetes\.io/name`) as
 * jsonpath-plus reads it: rooted at `$`, and names with dots, slashes or dashes in bracket form.
 */
export function toJsonPathPlus(path: string): string {
  let p = path.trim();
  if (p.startsWith('$') || p.startsWith('@')) p = p.slice(1);
  if (p === '') return '$';
  if (!p.startsWith('.') && !p.startsWith('[')) p = `.${p}`;
  let out = '$';
  let i = 0;
  while (i < p.length) {
    if (p[i] === '[') {
      // Copy the bracket as it is, quotes and nesting respected (filters hold brackets of their own).
      let depth = 0;
      let quote: string | undefined;
      let j = i;
      for (; j < p.length; j++) {
        const c = p[j];
        if (quote) {
          if (c === '\\') j++;
          else if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '[') depth++;
        else if (c === ']' && --depth === 0) break;
      }
      out += p.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (p[i] !== '.') throw new CliError(`error: error parsing jsonpath {${path}}, unrecognized character in action: U+${p.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')} '${p[i]}'`);
    const descend = p[i + 1] === '.';
    i += descend ? 2 : 1;
    let name = '';
    while (i < p.length && p[i] !== '.' && p[i] !== '[') {
      if (p[i] === '\\' && i + 1 < p.length) {
        name += p[i + 1];
        i += 2;
      } else name += p[i++];
    }
    if (name === '') {
      if (descend) out += '..';
      continue;
    }
    const plain = name === '*' || /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
    out += (descend ? '..' : '') + (plain ? `${descend ? '' : '.'}${name}` : `[${JSON.stringify(name).replace(/^"|"$/g, "'")}]`);
  }
  return out;
}

/** Every value the path selects in `json` (nothing for a missing key: kubectl's --allow-missing-template-keys). */
export function findResults(path: string, json: unknown): unknown[] {
  if (path === '$') return [json];
  try {
    return JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
  } catch (err) {
    throw new CliError(`error: error executing jsonpath ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** client-go's evalToText: strings as they are, maps and lists as JSON. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function run(nodes: Node[], json: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'path') out += findResults(n.path, json).map(text).join(' ');
    else for (const item of findResults(n.path, json)) out += run(n.body, item);
  }
  return out;
}

/** `-o jsonpath=TEMPLATE` over one object (or a `kind: List`): the text, without a trailing newline, as kubectl. */
export function jsonpathOutput(template: string, json: unknown): string {
  return run(parseTemplate(template), json);
}

/**
 * kubectl's RelaxedJSONPathExpression for custom-columns and --sort-by: `name.x`, `.name.x`, `{name.x}`
 * and `{.name.x}` all mean `{.name.x}`.
 */
export function relaxedPath(expr: string): string {
  const m = /^\{?(\.?[^{}]*)\}?$/.exec(expr);
  if (!m) throw new CliError(`error: unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`);
  return toJsonPathPlus(m[1].startsWith('.') ? m[1] : `.${m[1]}`);
}

export interface CustomColumn {
  header: string;
  path: string;
}

/** `HEADER:expr,HEADER:expr`, refused as kubectl refuses it. */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec === '') throw new CliError('error: custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) throw new CliError(`error: unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, colon), path: relaxedPath(part.slice(colon + 1)) };
  });
}

/** Go's `%v` of a decoded JSON value: `map[a:b]`, `[x y]`. */
function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goValue((value as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(value);
}

/** `-o custom-columns`: the headers as given, `<none>` where a path finds nothing, several values joined by commas. */
export function customColumnsTable(columns: CustomColumn[], objects: unknown[]): string {
  const rows = objects.map((obj) =>
    columns.map((c) => {
      const values = findResults(c.path, obj);
      return values.length === 0 ? '<none>' : values.map(goValue).join(',');
    }),
  );
  const body = [columns.map((c) => c.header), ...rows].map((r) => r.join('\t')).join('\n');
  return tabwrite(`${body}\n`, TABLE_TABWRITER);
}

/** vbom.ml/util/sortorder.NaturalLess, which kubectl's --sort-by uses for strings: digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const da = /\d/.test(a[i]);
    const db = /\d/.test(b[j]);
    if (da && db) {
      let ei = i;
      while (ei < a.length && /\d/.test(a[ei])) ei++;
      let ej = j;
      while (ej < b.length && /\d/.test(b[ej])) ej++;
      const na = a.slice(i, ei).replace(/^0+/, '');
      const nb = b.slice(j, ej).replace(/^0+/, '');
      if (na.length !== nb.length) return na.length < nb.length;
      if (na !== nb) return na < nb;
      // Equal numbers: fewer leading zeros first.
      if (ei - i !== ej - j) return ei - i < ej - j;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] !== b[j]) return a[i] < b[j];
    i++;
    j++;
  }
  return a.length - i < b.length - j;
}

function less(a: unknown, b: unknown, expr: string): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return naturalLess(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return !a && b;
  throw new CliError(`error: ${expr} field is unsortable: ${typeof a} and ${typeof b} cannot be compared`);
}

/**
 * `--sort-by=expr`: the order (indexes into `objects`) kubectl's RuntimeSort gives, a stable sort on each
 * object's first value; objects without the field come first. A path found in no object is an error.
 */
export function sortOrder(expr: string, objects: unknown[]): number[] {
  const path = relaxedPath(expr);
  const keys = objects.map((o) => findResults(path, o)[0]);
  if (objects.length > 0 && keys.every((k) => k === undefined)) {
    throw new CliError(`error: couldn't find any field with path "{${path.replace(/^\$/, '')}}" in the list of objects`);
  }
  const order = objects.map((_o, i) => i);
  order.sort((x, y) => {
    const a = keys[x];
    const b = keys[y];
    if (a === undefined) return b === undefined ? 0 : -1;
    if (b === undefined) return 1;
    return less(a, b, expr) ? -1 : less(b, a, expr) ? 1 : 0;
  });
  return order;
}
