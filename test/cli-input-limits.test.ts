// Hostile manifests through jobctl's `apply -f` and `create -f` (issue 15, section 2): each one that
// crashed jobctl (heap out of memory, "Maximum call stack size exceeded") or ran for seconds is refused
// with a message naming the file and the limit, and nothing is started. Runs no Temporal server: the
// refusals happen before jobctl connects (TEMPORAL_ADDRESS points at a port nothing listens on, so a
// jobctl that got that far would fail with a connection error instead). The files go through jobctl's
// `runCli` in this process (helpers/jobctl.ts); the control and stdin through the real `bin/jobctl.js`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runJobctl, runJobctlHere, setProcessEnv, type Ran } from './helpers/jobctl';

async function timed(run: () => Promise<Ran>): Promise<Ran & { ms: number }> {
  const started = Date.now();
  const ran = await run();
  return { ...ran, ms: Date.now() - started };
}

function job(name: string, extraMeta = '', podExtra = ''): string {
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${name}`,
    extraMeta,
    'spec:',
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    podExtra,
    '      containers:',
    '      - name: main',
    '        image: busybox',
    '        command: ["true"]',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** Writes `count` copies of `chunk` without holding the whole file in memory. */
function writeRepeated(file: string, head: string, chunk: string, count: number, tail = ''): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, head);
    let left = count;
    const block = chunk.repeat(Math.min(count, Math.max(1, Math.floor((1 << 20) / chunk.length))));
    const per = block.length / chunk.length;
    while (left >= per) {
      fs.writeSync(fd, block);
      left -= per;
    }
    if (left > 0) fs.writeSync(fd, chunk.repeat(left));
    fs.writeSync(fd, tail);
  } finally {
    fs.closeSync(fd);
  }
}

const LIMIT = /limit is 3145728 bytes \(3 MiB, the Kubernetes API server's request body limit\)/;
const DEEP = /nested more than 100 levels deep \(the limit for a manifest\)/;

describe('jobctl apply -f with hostile manifests', { timeout: 180_000 }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let restoreEnv: () => void = () => undefined;
  const file = (name: string) => path.join(dir, name);
  let controlMs = 0;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobctl-limits-'));
    const settings = { TEMPORAL_ADDRESS: '127.0.0.1:1', DURABLE_JOBS_HOME: path.join(dir, 'home'), NO_COLOR: '1' };
    env = { ...process.env, ...settings };
    delete env.FORCE_COLOR;
    restoreEnv = setProcessEnv({ ...settings, FORCE_COLOR: undefined });
    const yamlHead = job('x').split('name: x')[0];
    writeRepeated(file('name-50mb.yaml'), `${yamlHead}name: `, 'a', 50 * 1024 * 1024, job('x').split('name: x')[1]);
    writeRepeated(file('list-25m-deep.yaml'), '', '[', 25_000_000, ']');
    writeRepeated(file('annotation-50mb.yaml'), `${job('x').split('spec:')[0]}  annotations:\n    a: `, 'b', 50 * 1024 * 1024, `\nspec:${job('x').split('spec:')[1]}`);
    writeRepeated(file('list-1m-deep.yaml'), '', '[', 1_000_000, ']'.repeat(1_000_000));
    writeRepeated(file('dashes-1m.yaml'), '', '- ', 1_000_000, 'x\n');
    let indented = '';
    for (let i = 0; i < 2400; i++) indented += `${' '.repeat(i)}a:\n`;
    fs.writeFileSync(file('indented.yaml'), indented);
    fs.writeFileSync(file('affinity.yaml'), job('x', '', `      affinity: ${'{a: '.repeat(150)}1${'}'.repeat(150)}`));
    const big = 'x'.repeat(1 << 20);
    fs.writeFileSync(
      file('alias-bomb.yaml'),
      job('bomb', `  annotations:\n    a: &a "${big}"`).replace('command: ["true"]', `command: [${Array(90).fill('*a').join(', ')}]`),
    );
    const good = Buffer.from(job('x'));
    fs.writeFileSync(file('bad-utf8.yaml'), Buffer.concat([good.subarray(0, 40), Buffer.from([0xc3, 0x28]), good.subarray(40)]));
    fs.writeFileSync(file('ok.yaml'), job('fine'));
  });
  after(() => {
    restoreEnv();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const refusedWith = async (name: string, message: RegExp, verb: 'apply' | 'create' = 'apply') => {
    const dry = await timed(() => runJobctlHere([verb, '-f', file(name), '--dry-run=client']));
    assert.equal(dry.code, 1, `${name}: ${dry.stderr}${dry.stdout}`);
    assert.equal(dry.stdout, '', 'nothing is created, not even as a dry run');
    assert.match(dry.stderr, message);
    assert.doesNotMatch(dry.stderr, /heap|call stack|ECONNREFUSED|connect/i);
    // For real, against an address nothing answers: the same refusal, so jobctl never got to Temporal.
    const real = await runJobctlHere([verb, '-f', file(name)]);
    assert.equal(real.code, 1);
    assert.equal(real.stderr, dry.stderr);
    process.stdout.write(`bench ${name}: refused in ${dry.ms} ms; a good manifest took ${controlMs} ms (jobctl's runCli, dry run)\n`);
  };

  it('the control: a good manifest passes the limits (and then fails to connect for real)', async () => {
    const dry = await runJobctl(['apply', '-f', file('ok.yaml'), '--dry-run=client'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, 'job.batch/fine created (dry run)\n');
    const here = await timed(() => runJobctlHere(['apply', '-f', file('ok.yaml'), '--dry-run=client']));
    assert.deepEqual({ ...here, ms: 0 }, { ...dry, ms: 0 }, 'in this process as in its own');
    controlMs = here.ms;
    const real = await runJobctl(['create', '-f', file('ok.yaml')], env);
    assert.equal(real.code, 1);
    assert.doesNotMatch(real.stderr, LIMIT);
  });

  it('a 50 MB name: refused by size, unread (was: JavaScript heap out of memory)', async () => {
    const name = file('name-50mb.yaml');
    await refusedWith('name-50mb.yaml', new RegExp(`^error: "${name}": Request entity too large: ${LIMIT.source} \\(got 5242\\d{4} bytes\\)\\n$`));
  });

  it('a 25-million-deep list: refused by size (was: JavaScript heap out of memory)', async () => {
    await refusedWith('list-25m-deep.yaml', /Request entity too large: limit is 3145728 bytes .*\(got 25000001 bytes\)/);
  });

  it('a 50 MB annotation: refused by size (was: 13 s and 1.9 GB)', async () => {
    await refusedWith('annotation-50mb.yaml', /annotation-50mb\.yaml": Request entity too large: limit is 3145728/, 'create');
  });

  it('deep nesting under the size limit: flow, block sequences, indentation, a kept-verbatim field', async () => {
    await refusedWith('list-1m-deep.yaml', new RegExp(`list-1m-deep\\.yaml": line 1, column 201: ${DEEP.source}`));
    await refusedWith('dashes-1m.yaml', new RegExp(`dashes-1m\\.yaml": line 1, column \\d+: ${DEEP.source}`));
    await refusedWith('indented.yaml', new RegExp(`indented\\.yaml": line \\d+, column \\d+: ${DEEP.source}`));
    await refusedWith('affinity.yaml', new RegExp(`affinity\\.yaml": spec\\.template\\.spec\\.affinity\\.a\\.a\\.\\(\\d+ more\\)\\.a\\.a\\.a: ${DEEP.source}`));
  });

  it('an alias bomb under the alias count: refused by its expanded size (was: 52 s and 884 MB)', async () => {
    await refusedWith('alias-bomb.yaml', /alias-bomb\.yaml": spec\.template\.spec\.containers\[0\]\.command\[\d+\]: the object \(with YAML aliases expanded\) exceeds the request size limit: limit is 3145728/);
  });

  it('invalid UTF-8: refused with its byte position (was: silently replaced by U+FFFD)', async () => {
    await refusedWith('bad-utf8.yaml', /^error: ".*bad-utf8\.yaml": invalid UTF-8 at byte 40 \(line 3, column 10\): byte 0xc3\n$/);
  });

  it('stdin: over 3 MiB is refused without reading it all; invalid UTF-8 with its position', async () => {
    const big = await runJobctl(['apply', '-f', '-', '--dry-run=client'], env, Buffer.alloc(8 * 1024 * 1024, 0x61));
    assert.equal(big.code, 1);
    assert.equal(big.stdout, '');
    assert.match(big.stderr, /^error: "STDIN": Request entity too large: limit is 3145728 bytes .*\(got more than 3145728 bytes\)\n$/);
    const bad = await runJobctl(['apply', '-f', '-', '--dry-run=client'], env, Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'error: "STDIN": invalid UTF-8 at byte 3 (line 1, column 4): byte 0xff\n');
  });

  it('patch -p: a deep patch is refused by the same limits, without echoing it', async () => {
    const deep = `{"spec": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const ran = await runJobctlHere(['patch', 'job', 'x', '-p', deep]);
    assert.equal(ran.code, 1);
    assert.equal(ran.stderr, `error: "the patch (-p)": line 1, column ${9 + 200}: nested more than 100 levels deep (the limit for a manifest)\n`);
  });
});
