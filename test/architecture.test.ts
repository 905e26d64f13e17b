// The layers' arrows (cli -> client -> workflows -> controller -> api), checked on the source: each
// module's relative imports may reach only the layers below it. jobctl in particular imports only the
// package's public surfaces, so that whatever it does, a program using `durable-jobs` can do too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const SRC = path.resolve(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of a file (static, re-export and dynamic), as a path below src without extension. */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']*)'/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(SRC, path.resolve(path.dirname(file), s)).split(path.sep).join('/'));
}

/** The imports of the files under `layer` that leave it and are not allowed. */
function violations(layer: string, allowed: (target: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(path.join(SRC, layer))) {
    for (const target of relativeImports(file)) {
      if (target === layer || target.startsWith(`${layer}/`)) continue;
      if (!allowed(target)) out.push(`${path.relative(SRC, file)} imports ${target}`);
    }
  }
  return out;
}

const under = (target: string, ...layers: string[]): boolean => layers.some((l) => target === l || target.startsWith(`${l}/`));

describe('layer arrows', () => {
  it('finds imports at all (the check is not vacuous)', () => {
    assert.ok(relativeImports(path.join(SRC, 'cli', 'run.ts')).includes('client'));
    assert.ok(violations('cli', () => false).length > 0);
  });

  it('the CLI imports only the public client surface and the worker host', () => {
    assert.deepEqual(
      violations('cli', (t) => t === 'client' || t === 'worker'),
      [],
    );
  });

  it('the client imports only api, the pure CronJob mapping, the workflow message definitions, the data dir layout and the payload codec', () => {
    // job-ending: how a Job workflow's end reads (a Failed Job's final state is in its failure).
    const messages = ['workflows/messages', 'workflows/search-attributes', 'workflows/cronjob-messages', 'workflows/job-ending'];
    assert.deepEqual(
      violations('client', (t) => under(t, 'api', 'data-dir', 'cronjob', 'codec') || messages.includes(t)),
      [],
    );
  });

  it('the package entry point is the client surface', () => {
    assert.deepEqual(relativeImports(path.join(SRC, 'index.ts')), ['client']);
  });

  it('the controller and the CronJob mapping import only api; api imports nothing of ours', () => {
    assert.deepEqual(violations('controller', (t) => under(t, 'api')), []);
    assert.deepEqual(violations('cronjob', (t) => under(t, 'api')), []);
    assert.deepEqual(violations('api', () => false), []);
    // The payload codec is Temporal's and node:crypto's business only.
    assert.deepEqual(violations('codec', () => false), []);
  });
});
