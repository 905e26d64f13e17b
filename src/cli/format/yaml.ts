// `-o yaml` as kubectl prints it: sigs.k8s.io/yaml (go-yaml v2) over the JSON form. That means YAML 1.1
// quoting (strings such as "True", "yes", "n", "4751" or timestamps are double-quoted so they stay strings),
// sorted keys, 2-space indentation with sequences not indented under their key, literal blocks for
// multi-line strings, and no line folding.
import { stringify } from 'yaml';

export function toYaml(obj: unknown): string {
  return stringify(obj, {
    schema: 'yaml-1.1',
    indent: 2,
    indentSeq: false,
    lineWidth: 0,
    blockQuote: 'literal',
    sortMapEntries: true,
    aliasDuplicateObjects: false,
  });
}
