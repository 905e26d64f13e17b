// Hostile manifests (issue 15, section 2): each input that crashed or stalled jobctl is refused by the
// limits in src/api/input-limits.ts with a message naming the source and the limit, and returns.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import {
  JobValidationError,
  MAX_MANIFEST_BYTES,
  MAX_NESTING_DEPTH,
  ManifestError,
  checkJobObjectLimits,
  decodeManifest,
  parseJob,
  parseManifests,
  parseYamlValue,
} from '../src/api';
import { firstInvalidUtf8 } from '../src/api/input-limits';
import { JobsClient } from '../src/client';
import { parse as parseYaml } from 'yaml';

const PI_YAML = readFileSync(resolve(__dirname, '../../examples/pi.yaml'), 'utf8');

function manifest(name: string, extraMeta = '', podExtra = ''): string {
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

function refused(f: () => unknown): ManifestError {
  try {
    f();
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  return assert.fail('expected a ManifestError');
}

/** A value nested `depth` levels (mappings of one key), built without recursion. */
function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 1; i < depth; i++) {
    const next: Record<string, unknown> = {};
    at.a = next;
    at = next;
  }
  at.a = 1;
  return root;
}

describe('manifest limits', () => {
  it('a 50 MB name is refused by its size before it is parsed (was: JavaScript heap out of memory)', () => {
    const e = refused(() => parseManifests(manifest('a'.repeat(50 * 1024 * 1024)), 'big.yaml'));
    assert.equal(e.reason, 'RequestEntityTooLarge');
    assert.match(e.message, /^"big\.yaml": Request entity too large: limit is 3145728 bytes \(3 MiB/);
  });

  it('a 25-million-deep list is refused by its size; a 2 MB one (under the size limit) by its depth', () => {
    const huge = refused(() => parseManifests('['.repeat(25_000_000), 'deep.yaml'));
    assert.equal(huge.reason, 'RequestEntityTooLarge');
    const deep = refused(() => parseManifests(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, 'deep.yaml'));
    assert.equal(deep.reason, 'TooDeep');
    assert.equal(deep.message, `"deep.yaml": line 1, column ${2 * MAX_NESTING_DEPTH + 1}: nested more than 100 levels deep (the limit for a manifest)`);
  });

  it('deep block sequences and deep indentation are refused at the line that goes too deep', () => {
    const dashes = refused(() => parseManifests(`${'- '.repeat(1_000_000)}x\n`, 'dash.yaml'));
    assert.equal(dashes.reason, 'TooDeep');
    assert.match(dashes.message, /^"dash\.yaml": line 1, column \d+: nested more than 100 levels deep/);
    let text = '';
    for (let i = 0; i < 2400; i++) text += `${' '.repeat(i)}a:\n`;
    const indented = refused(() => parseManifests(text, 'indent.yaml'));
    assert.equal(indented.reason, 'TooDeep');
    assert.match(indented.message, /^"indent\.yaml": line \d+, column \d+: nested more than 100 levels deep/);
  });

  it('nesting inside a kept-verbatim field is refused with its path (was: Maximum call stack size exceeded)', () => {
    const flow = `${'{a: '.repeat(150)}1${'}'.repeat(150)}`;
    const e = refused(() => parseManifests(manifest('x', '', `      affinity: ${flow}`), 'aff.yaml'));
    assert.equal(e.reason, 'TooDeep');
    assert.match(e.message, /^"aff\.yaml": spec\.template\.spec\.affinity\.a\.a\.\(\d+ more\)\.a\.a\.a: nested more than 100 levels deep/);
    assert.doesNotMatch(e.message, /call stack/);
  });

  it('the exact limit: 100 levels pass (block or flow), 101 do not; the text scan never refuses what is within it', () => {
    // The Job itself takes 4 levels to affinity (root, spec, template, spec); affinity's value adds the rest.
    const inner = MAX_NESTING_DEPTH - 4;
    let block = '      affinity:\n';
    for (let i = 0; i < inner - 1; i++) block += `${' '.repeat(8 + 2 * i)}a:\n`;
    block += `${' '.repeat(8 + 2 * (inner - 1))}a: 1`;
    assert.equal(parseManifests(manifest('ok', '', block), 'ok.yaml').length, 1);
    const flowOk = `${'{a: '.repeat(inner)}1${'}'.repeat(inner)}`;
    assert.equal(parseManifests(manifest('ok', '', `      affinity: ${flowOk}`), 'ok.yaml').length, 1);
    const flowOver = `${'{a: '.repeat(inner + 1)}1${'}'.repeat(inner + 1)}`;
    assert.equal(refused(() => parseManifests(manifest('x', '', `      affinity: ${flowOver}`))).reason, 'TooDeep');
  });

  it('aliases chained past the depth limit are refused with a path', () => {
    // Each anchor is 40 levels deep in the text; through the aliases a3 is 121 levels deep.
    const lines = ['a0: &a0 1'];
    for (let i = 1; i <= 4; i++) lines.push(`a${i}: &a${i} ${'['.repeat(40)}*a${i - 1}${']'.repeat(40)}`);
    const e = refused(() => parseManifests(lines.join('\n'), 'chain.yaml'));
    assert.equal(e.reason, 'TooDeep');
    assert.match(e.message, /^"chain\.yaml": a3\[0\]\[0\]\[0\]\[0\]\[0\]\.\(\d+ more\)\[0\]\[0\]\[0\]: nested more than 100 levels deep/);
  });

  it('an alias bomb under the alias count is refused by its expanded size (was: 52 s and 884 MB)', () => {
    const big = 'x'.repeat(1 << 20);
    const text = manifest('bomb', `  annotations:\n    a: &a "${big}"`).replace('command: ["true"]', `command: [${Array(90).fill('*a').join(', ')}]`);
    const e = refused(() => parseManifests(text, 'bomb.yaml'));
    assert.equal(e.reason, 'RequestEntityTooLarge');
    assert.match(e.message, /^"bomb\.yaml": spec\.template\.spec\.containers\[0\]\.command\[\d\]: the object \(with YAML aliases expanded\) exceeds the request size limit: limit is 3145728 bytes/);
    // Across documents too: each one alone fits, together they expand past the limit.
    const doc = (i: number) => `a: &a "${'y'.repeat(600_000)}"\nb: [*a]\nkind: X${i}`;
    const multi = refused(() => parseManifests([doc(1), doc(2), doc(3)].join('\n---\n'), 'multi.yaml'));
    assert.equal(multi.reason, 'RequestEntityTooLarge');
  });

  it('a 50 MB annotation under the size limit would be refused by the annotation limit; over it, by size', () => {
    const over = refused(() => parseManifests(manifest('x', `  annotations:\n    a: ${'b'.repeat(50 * 1024 * 1024)}`), 'ann.yaml'));
    assert.equal(over.reason, 'RequestEntityTooLarge');
    assert.throws(
      () => parseManifests(manifest('x', `  annotations:\n    a: ${'b'.repeat(2 * 1024 * 1024)}`), 'ann.yaml'),
      (e: unknown) => e instanceof JobValidationError && e.message === 'The Job "x" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
    );
  });

  it('a 2 MB name (under the size limit) is refused by validation with its value cut in the message', () => {
    const name = 'a'.repeat(2 * 1024 * 1024);
    assert.throws(
      () => parseManifests(manifest(name), 'name.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof JobValidationError);
        assert.ok(e.message.length < 10_000, `message of ${e.message.length} characters`);
        assert.match(e.message, /metadata\.name: Invalid value: "a+"\.\.\. \(2096128 more characters\): must be no more than 63 characters/);
        return true;
      },
    );
  });

  it('invalid UTF-8 is refused with its byte position, line and column (not replaced by U+FFFD)', () => {
    const good = Buffer.from(manifest('x'));
    const bad = Buffer.concat([good.subarray(0, 40), Buffer.from([0xff, 0xfe]), good.subarray(40)]);
    const e = refused(() => decodeManifest(bad, 'bad.yaml'));
    assert.equal(e.reason, 'InvalidEncoding');
    assert.equal(e.message, '"bad.yaml": invalid UTF-8 at byte 40 (line 3, column 10): byte 0xff');
    // Overlong, surrogate, truncated and out-of-range sequences, each after a valid multi-byte character.
    const prefix = Buffer.from('é: ');
    for (const seq of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      assert.equal(firstInvalidUtf8(Buffer.concat([prefix, Buffer.from(seq)])), prefix.length, `bytes ${seq}`);
    }
    assert.equal(firstInvalidUtf8(Buffer.from('héllo ✓ 𝄞')), -1);
    assert.equal(decodeManifest(Buffer.from(PI_YAML)), PI_YAML);
    // UTF-16 with its byte order mark, as kubectl reads it; odd bytes after the mark are refused.
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PI_YAML, 'utf16le')]);
    assert.equal(parseManifests(decodeManifest(le, 'le.yaml'), 'le.yaml')[0].metadata.name, 'pi');
    const be = Buffer.from(le);
    be.swap16();
    assert.equal(parseManifests(decodeManifest(be, 'be.yaml'), 'be.yaml')[0].metadata.name, 'pi');
    assert.equal(refused(() => decodeManifest(Buffer.from([0xff, 0xfe, 0x61]), 'odd.yaml')).reason, 'InvalidEncoding');
    // A string has no bytes, but a lone surrogate cannot be UTF-8: same refusal, with its position.
    const lone = refused(() => parseManifests(`a: b\nc: "\ud800"`, 'lone.yaml'));
    assert.equal(lone.reason, 'InvalidEncoding');
    assert.equal(lone.message, '"lone.yaml": invalid UTF-8: unpaired surrogate U+D800 at character 9 (line 2, column 5)');
  });

  it('bytes over 3 MiB are refused before decoding', () => {
    const e = refused(() => decodeManifest(new Uint8Array(MAX_MANIFEST_BYTES + 1), 'STDIN'));
    assert.equal(e.message, `"STDIN": Request entity too large: limit is 3145728 bytes (3 MiB, the Kubernetes API server's request body limit) (got ${MAX_MANIFEST_BYTES + 1} bytes)`);
  });

  it('a deeply nested object given to parseJob is refused with a path, not a stack overflow', () => {
    const obj = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: { template: { spec: { affinity: nested(200_000) } } } };
    const e = refused(() => parseJob(obj));
    assert.equal(e.reason, 'TooDeep');
    assert.match(e.message, /^spec\.template\.spec\.affinity\.a\.a\.\(91 more\)\.a\.a\.a: nested more than 100 levels deep/);
  });

  it('the client refuses oversized Job objects before it calls Temporal', async () => {
    // No server listens on port 1: a call that got as far as Temporal would fail with a connection error.
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const jobs = new JobsClient(client);
    const valid = parseManifests(PI_YAML)[0];
    const huge = 'n'.repeat(50 * 1024 * 1024);
    await assert.rejects(jobs.create({ ...valid, metadata: { ...valid.metadata, name: huge } }), (e: unknown) => {
      assert.ok(e instanceof ManifestError, String(e));
      assert.equal(e.reason, 'RequestEntityTooLarge');
      assert.match(e.message, /^"the Job object": metadata\.name: the object .* limit is 3145728 bytes/);
      return true;
    });
    const long = 'n'.repeat(2 * 1024 * 1024);
    await assert.rejects(jobs.create({ ...valid, metadata: { ...valid.metadata, name: long } }), (e: unknown) => {
      assert.ok(e instanceof JobValidationError, String(e));
      assert.ok(e.message.length < 10_000);
      assert.match(e.message, /metadata\.name: Invalid value: "n+"\.\.\. \(\d+ more characters\): must be no more than 63 characters/);
      return true;
    });
    const annotations = { a: 'b'.repeat(50 * 1024 * 1024) };
    await assert.rejects(jobs.apply({ ...valid, metadata: { ...valid.metadata, annotations } }), (e: unknown) => e instanceof ManifestError && e.reason === 'RequestEntityTooLarge');
    const deep = { ...valid, spec: { ...valid.spec, template: { ...valid.spec.template, spec: { ...valid.spec.template.spec, affinity: nested(1_000_000) } } } };
    await assert.rejects(jobs.create(deep), (e: unknown) => e instanceof ManifestError && e.reason === 'TooDeep');
    await assert.rejects(jobs.apply(`${'['.repeat(2_000_000)}`), (e: unknown) => e instanceof ManifestError && e.reason === 'TooDeep');
    await assert.rejects(jobs.createAll('x'.repeat(MAX_MANIFEST_BYTES + 1), 'big.yaml'), (e: unknown) => e instanceof ManifestError && e.reason === 'RequestEntityTooLarge');
    await assert.rejects(jobs.patch('default', 'pi', { spec: { template: { spec: { affinity: nested(1000) } } } }), (e: unknown) => e instanceof ManifestError && e.reason === 'TooDeep');
    assert.doesNotThrow(() => checkJobObjectLimits(valid));
    await client.connection.close().catch(() => undefined);
  });

  it('one YAML value (a patch) under the same limits; a normal one parses', () => {
    assert.deepEqual(parseYamlValue('{"spec": {"parallelism": 2}}', '-p'), { spec: { parallelism: 2 } });
    assert.equal(refused(() => parseYamlValue(`{"spec": ${'['.repeat(5000)}${']'.repeat(5000)}}`, '-p')).reason, 'TooDeep');
    const bomb = `a: &a "${'x'.repeat(1 << 20)}"\nb: [${Array(9).fill('*a').join(', ')}]`;
    assert.equal(refused(() => parseYamlValue(bomb, '-p')).reason, 'RequestEntityTooLarge');
  });

  it('a mapping of 100,000 keys: repeated keys found in linear time; unknown fields counted past 100', () => {
    const keys = (n: number) => {
      let text = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n';
      for (let i = 0; i < n; i++) text += `k${i}: 1\n`;
      return text;
    };
    // The repeated key is the last of 100,000: a pairwise check (the YAML library's own) takes minutes here.
    const dup = refused(() => parseManifests(`${keys(100_000)}k5: 2\n`, 'keys.yaml'));
    assert.equal(dup.message, 'error parsing keys.yaml: yaml: line 100005, column 1: Map keys must be unique');
    // Counting unknown fields past the first 100 needs no more than a thousand of them.
    const unknown = refused(() => parseManifests(keys(1_000), 'keys.yaml'));
    assert.equal(unknown.reason, 'BadRequest');
    assert.match(unknown.message, /unknown field "k99", and 900 more unknown fields$/);
    assert.throws(() => parseYamlValue('{"spec": {"a": 1, "a": 2}}', '-p'), /Map keys must be unique at line 1, column 19/);
  });

  it('more than 10000 documents or List items are refused before they are parsed', () => {
    const docs = refused(() => parseManifests('---\n'.repeat(780_000), 'docs.yaml'));
    assert.equal(docs.message, '"docs.yaml": more than 10000 YAML documents (the limit for one manifest)');
    const item = '- {apiVersion: batch/v1, kind: Job, metadata: {name: x}}\n';
    const list = refused(() => parseManifests(`apiVersion: v1\nkind: List\nitems:\n${item.repeat(10_001)}`, 'list.yaml'));
    assert.equal(list.message, '"list.yaml": more than 10000 objects (the limit for one manifest)');
  });

  it('150,000 bad labels give one deduplicated error, not a stack overflow from spreading the errors', () => {
    // Through both doors that validate labels: a manifest's object (parseJob, what parseManifests calls
    // after the YAML) and an object handed to the client (checkJobObjectLimits).
    const labels: Record<string, string> = {};
    for (let i = 0; i < 150_000; i++) labels[`k${i}`] = '-bad-';
    const job = parseYaml(PI_YAML) as { metadata: Record<string, unknown> };
    const deduplicated = (e: unknown) =>
      e instanceof JobValidationError && e.message.split('metadata.labels: Invalid value: "-bad-": a valid label must be').length === 2 && e.message.length < 2000;
    assert.throws(() => parseJob({ ...job, metadata: { ...job.metadata, labels } }), deduplicated);
    assert.throws(() => checkJobObjectLimits({ ...job, metadata: { ...job.metadata, labels } }), deduplicated);
  });
});
