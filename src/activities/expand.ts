// Kubernetes' $(VAR) expansion, ported from the kubelet's
// third_party/forked/golang/expansion/expand.go so that manifests behave here as on a cluster:
// `$(NAME)` becomes the variable's value, `$$` becomes a literal `$`, and a reference to an
// undefined variable (or an unclosed `$(`) is left exactly as written.

/** Looks a name up; undefined means "not defined", which keeps the reference literal. */
export type VarLookup = (name: string) => string | undefined;

export function lookupIn(...scopes: ReadonlyArray<Readonly<Record<string, string>>>): VarLookup {
  return (name) => {
    for (const scope of scopes) {
      if (Object.prototype.hasOwnProperty.call(scope, name)) return scope[name];
    }
    return undefined;
  };
}

export function expand(input: string, lookup: VarLookup): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    // A `$` as the very last character is not an operator (the kubelet requires a following char).
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    const next = rest[0];
    let advance = 1;
    if (next === '$') {
      out += '$';
    } else if (next === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) {
        // Unclosed reference: emit `$(` and keep scanning after it, as the kubelet does.
        out += '$(';
      } else {
        const name = rest.slice(1, close);
        const value = lookup(name);
        out += value ?? `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += '$' + next;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
