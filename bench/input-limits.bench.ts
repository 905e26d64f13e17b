// What the manifest limits cost and save: each hostile input of issue 15 through parseManifests, next to
// the same-process baselines of a good manifest and of a large good multi-document file (where the
// limits' extra YAML lexing pass is paid in full). Figures are printed, never asserted.
// Run: npm run build && node --expose-gc dist/bench/input-limits.bench.js
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseManifests } from '../src/api';
import { checkYamlNesting } from '../src/api/input-limits';

const PI = readFileSync(resolve(__dirname, '../../examples/pi.yaml'), 'utf8');

function job(name: string, meta = '', pod = ''): string {
  const lines = ['apiVersion: batch/v1', 'kind: Job', 'metadata:', `  name: ${name}`, meta, 'spec:', '  template:', '    spec:', '      restartPolicy: Never', pod];
  lines.push('      containers:', '      - name: main', '        image: busybox', '        command: ["true"]', '');
  return lines.filter((l) => l !== '').join('\n');
}

function measure(what: string, f: () => unknown): void {
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  let outcome = 'accepted';
  try {
    f();
  } catch (e) {
    outcome = `refused (${(e as { reason?: string }).reason ?? (e as Error).name})`;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const grew = (process.memoryUsage().rss - rss0) / 1e6;
  console.log(`${what.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms  rss +${grew.toFixed(0).padStart(4)} MB  ${outcome}`);
}

const many = Array.from({ length: 3000 }, (_, i) => PI.replace('name: pi', `name: pi-${i}`)).join('---\n');
let indented = '';
for (let i = 0; i < 2400; i++) indented += `${' '.repeat(i)}a:\n`;

measure('baseline: pi.yaml', () => parseManifests(PI, 'pi.yaml'));
measure(`baseline: 3000 Jobs (${(many.length / 1e6).toFixed(2)} MB)`, () => parseManifests(many, 'many.yaml'));
measure('  of which the nesting scan', () => checkYamlNesting(many, 'many.yaml'));
measure('  the YAML parse alone (no limits)', () => parseAllDocuments(many, { schema: 'yaml-1.1' }).forEach((d) => d.toJS()));
measure('50 MB name', () => parseManifests(job('a'.repeat(50 * 1024 * 1024)), 'x'));
measure('25-million-deep list', () => parseManifests('['.repeat(25_000_000), 'x'));
measure('50 MB annotation', () => parseManifests(job('x', `  annotations:\n    a: ${'b'.repeat(50 * 1024 * 1024)}`), 'x'));
measure('2 MB name (under the size limit)', () => parseManifests(job('a'.repeat(2 * 1024 * 1024)), 'x'));
measure('1-million-deep flow list (2 MB)', () => parseManifests(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, 'x'));
measure('1-million-deep block list (2 MB)', () => parseManifests(`${'- '.repeat(1_000_000)}x\n`, 'x'));
measure('2400-deep indentation (2.9 MB)', () => parseManifests(indented, 'x'));
measure('alias bomb (1 MiB string x 90)', () =>
  parseManifests(job('b', `  annotations:\n    a: &a "${'x'.repeat(1 << 20)}"`).replace('command: ["true"]', `command: [${Array(90).fill('*a').join(', ')}]`), 'x'),
);
