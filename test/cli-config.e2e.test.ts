// jobctl finds its server through a temporal.toml profile, as the `temporal` CLI does, against a real
// dev server; a missing profile is a clear error, and TEMPORAL_TLS=false is honoured.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startJobctlServer, type JobctlServer } from './helpers/jobctl-server';

describe('jobctl connection profiles against a dev server', () => {
  let s: JobctlServer;
  before(async () => {
    s = await startJobctlServer('jobctl-config');
  });
  after(async () => {
    await s?.teardown();
  });

  it('uses the profile TEMPORAL_PROFILE names; TEMPORAL_TLS=false keeps an API key from turning TLS on', async () => {
    const file = s.file('temporal.toml', `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.dev]\naddress = "${s.address}"\nnamespace = "default"\napi_key = "not-checked-by-the-dev-server"\n`);
    const job = s.file('hello.yaml', 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: via-profile}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: c, image: busybox, command: ["true"]}\n');
    const env = { TEMPORAL_ADDRESS: '', TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'dev', TEMPORAL_TLS: 'false' };
    const created = await s.jobctl(['create', '-f', job], { env });
    assert.equal(created.code, 0, created.stderr);
    const got = await s.jobctl(['get', 'job', 'via-profile', '-o', 'name'], { env });
    assert.equal(got.stdout, 'job.batch/via-profile\n', got.stderr);

    // The API key alone would mean TLS, which the plain-text dev server does not speak.
    const tls = await s.jobctl(['get', 'jobs'], { env: { ...env, TEMPORAL_TLS: '' } });
    assert.equal(tls.code, 1);
    assert.match(tls.stderr, new RegExp(`cannot connect to Temporal at ${s.address.replace(/\./g, '\\.')}`));

    const missing = await s.jobctl(['get', 'jobs'], { env: { ...env, TEMPORAL_PROFILE: 'staging' } });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: cannot read connection profile "staging" from .*temporal\.toml/);
  });
});
