// kubectl's `-l` label selector strings (`app=web,tier!=db,env in (a,b),!legacy`): parsing and matching,
// as k8s.io/apimachinery/pkg/labels does it.
import type { Labels } from './types';

export type SelectorOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside a `( ... )` value set. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key) || key.length > 317) throw new SelectorParseError(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(value: string, whole: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new SelectorParseError(`unable to parse requirement: invalid label value "${value}" in selector "${whole}"`);
  return value;
}

export function parseSelector(text: string): SelectorRequirement[] {
  const whole = text;
  if (text.trim() === '') return [];
  return splitTerms(text).map((term): SelectorRequirement => {
    if (term === '') throw new SelectorParseError(`found ',', expected: identifier (selector "${whole}")`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (set) {
      const values = set[3].split(',').map((v) => checkValue(v.trim(), whole));
      return { key: checkKey(set[1], whole), operator: set[2] as 'in' | 'notin', values };
    }
    if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), whole), operator: '!', values: [] };
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (cmp) {
      const operator = cmp[2] === '!=' ? '!=' : '=';
      return { key: checkKey(cmp[1], whole), operator, values: [checkValue(cmp[3].trim(), whole)] };
    }
    return { key: checkKey(term, whole), operator: 'exists', values: [] };
  });
}

export function requirementMatches(r: SelectorRequirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
      return has && value === r.values[0];
    case '!=':
      return !has || value !== r.values[0];
    case 'in':
      return has && value !== undefined && r.values.includes(value);
    case 'notin':
      return !has || value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
  }
}

/** An empty selector selects everything, as in Kubernetes. */
export function selectorMatchesLabels(reqs: readonly SelectorRequirement[], labels: Labels | undefined): boolean {
  return reqs.every((r) => requirementMatches(r, labels));
}

export function formatSelector(reqs: readonly SelectorRequirement[]): string {
  return reqs
    .map((r) => {
      switch (r.operator) {
        case '=':
        case '!=':
          return `${r.key}${r.operator}${r.values[0]}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
      }
    })
    .join(',');
}
