// Renders values the way Kubernetes' Go code prints them in messages, so that our errors read exactly
// like the API server's: strings with Go's %q, numbers with %v, string maps and number lists with %#v.

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Longer strings are cut in messages (durable-jobs' choice, not Kubernetes'): a hostile 2 MB name was
 * printed four times into an 8 MB message that took seconds to build.
 */
export const MAX_QUOTED_CHARS = 1024;

/** Go's strconv.Quote (what `%q` prints); past MAX_QUOTED_CHARS, the start and how much was left out. */
export function goQuote(s: string): string {
  if (s.length > MAX_QUOTED_CHARS) return `${goQuote(s.slice(0, MAX_QUOTED_CHARS))}... (${s.length - MAX_QUOTED_CHARS} more characters)`;
  let out = '"';
  for (const ch of s) {
    const named = NAMED_ESCAPES[ch];
    if (named !== undefined) {
      out += named;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp < 0x80) out += `\\x${hex(cp, 2)}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + '"';
}

function isStringMap(v: object): v is Record<string, string> {
  return Object.values(v).every((x) => typeof x === 'string');
}

/**
 * A value as `field.Error` prints it: `%q` for strings, `%v` for numbers and booleans, `%#v` for
 * string maps and lists of strings or numbers (Kubernetes' int32 lists). Go would print other structs
 * with `%#v`, which shows pointer addresses; we print JSON instead, which says the same thing stably.
 */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return `[]int32{${v.join(', ')}}`;
    if (v.every((x) => typeof x === 'string')) return `[]string{${v.map(goQuote).join(', ')}}`;
  } else if (typeof v === 'object' && isStringMap(v)) {
    // Go prints map keys sorted.
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${goQuote(k)}:${goQuote(v[k] ?? '')}`);
    return `map[string]string{${entries.join(', ')}}`;
  }
  return JSON.stringify(v) ?? String(v);
}

/** Go's `%q` applied to a []string: `["a" "b"]`. */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(' ')}]`;
}

/** Length in bytes, as Go's len() counts it for strings. */
export function utf8Length(s: string): number {
  // charCodeAt rather than for..of: several times faster on the megabyte strings hostile input brings.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
