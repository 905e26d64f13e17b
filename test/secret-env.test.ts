// Secrets that never enter Temporal (issue 15, section 4), the pure parts: `env[].valueFrom.secretKeyRef`
// resolved from the worker's secrets dir as the container starts (a missing secret fails the container
// as the kubelet reports it), and the Job as the memo shows it, without env values.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withoutEnvValues } from '../src/api/env-redaction';
import type { Container } from '../src/api/types';
import { CREATE_CONTAINER_CONFIG_ERROR, containerEnv } from '../src/activities/env';
import { makeJob, shellContainer } from './helpers/jobs';

describe('secretKeyRef from the worker secrets dir', () => {
  let secretsDir: string;
  before(() => {
    secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-secrets-'));
    fs.mkdirSync(path.join(secretsDir, 'team-a', 'db'), { recursive: true });
    fs.writeFileSync(path.join(secretsDir, 'team-a', 'db', 'password'), 'p@ss $(HOME)\n');
    fs.mkdirSync(path.join(secretsDir, 'team-b', 'other'), { recursive: true });
    fs.writeFileSync(path.join(secretsDir, 'team-b', 'other', 'password'), 'not yours');
  });
  after(() => fs.rmSync(secretsDir, { recursive: true, force: true }));

  const facts = (namespace: string, dir: string | null = secretsDir) => ({ podName: 'p-abcde', namespace, labels: {}, annotations: {}, ...(dir !== null ? { secretsDir: dir } : {}) });
  const withRef = (name: string, key: string, optional?: boolean): Container => ({
    ...shellContainer('true'),
    env: [{ name: 'BEFORE', value: 'b' }, { name: 'PW', valueFrom: { secretKeyRef: { name, key, ...(optional !== undefined ? { optional } : {}) } } }],
  });

  it('the value is the file, verbatim (no $(VAR) expansion, the newline kept)', () => {
    const env = containerEnv(withRef('db', 'password'), facts('team-a'));
    assert.deepEqual(env, { ok: true, value: { BEFORE: 'b', PW: 'p@ss $(HOME)\n' } });
  });

  it("a missing secret or key fails with the kubelet's CreateContainerConfigError and message", () => {
    assert.deepEqual(containerEnv(withRef('nope', 'password'), facts('team-a')), { ok: false, reason: CREATE_CONTAINER_CONFIG_ERROR, message: 'secret "nope" not found' });
    assert.deepEqual(containerEnv(withRef('db', 'user'), facts('team-a')), { ok: false, reason: CREATE_CONTAINER_CONFIG_ERROR, message: "couldn't find key user in Secret team-a/db" });
    // Another namespace's secret of the same name is not this pod's.
    assert.deepEqual(containerEnv(withRef('other', 'password'), facts('team-a')), { ok: false, reason: CREATE_CONTAINER_CONFIG_ERROR, message: 'secret "other" not found' });
    const none = containerEnv(withRef('db', 'password'), facts('team-a', null));
    assert.equal(none.ok, false);
    assert.match(!none.ok ? none.message : '', /^secret "db" not found \(this worker has no secrets dir/);
  });

  it('optional: a missing secret or key leaves the variable unset', () => {
    assert.deepEqual(containerEnv(withRef('nope', 'password', true), facts('team-a')), { ok: true, value: { BEFORE: 'b' } });
    assert.deepEqual(containerEnv(withRef('db', 'user', true), facts('team-a')), { ok: true, value: { BEFORE: 'b' } });
  });
});

describe('the memo shows the Job without env values', () => {
  it('values go, names and references stay, for containers and init containers; the Job itself is untouched', () => {
    const job = makeJob('redact', {}, [{ ...shellContainer('true'), env: [{ name: 'PASSWORD', value: 'hunter2' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }]);
    job.spec.template.spec.initContainers = [{ ...shellContainer('true', 'init'), env: [{ name: 'TOKEN', value: 't0ken' }, { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }] }];
    const shown = withoutEnvValues(job);
    assert.ok(!JSON.stringify(shown).includes('hunter2') && !JSON.stringify(shown).includes('t0ken'));
    assert.deepEqual(shown.spec.template.spec.containers[0]?.env, [{ name: 'PASSWORD' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    assert.deepEqual(shown.spec.template.spec.initContainers?.[0]?.env, [{ name: 'TOKEN' }, { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }]);
    assert.equal(job.spec.template.spec.containers[0]?.env?.[0]?.value, 'hunter2');
    assert.deepEqual({ ...shown, spec: { ...shown.spec, template: job.spec.template } }, job, 'nothing else changes');
  });
});
