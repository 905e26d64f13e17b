// Connection settings as the `temporal` CLI reads them: a temporal.toml profile through
// @temporalio/envconfig, the TEMPORAL_* variables over it, and the older variable names still read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, connectionOptions, settingsFromEnv } from '../src/client/connection';

const TOML = `
[profile.default]
address = "default.example:7233"
namespace = "from-default"

[profile.prod]
address = "prod.example:7233"
namespace = "prod-ns"
api_key = "secret-key"

[profile.prod.tls]
server_name = "prod.internal"
server_ca_cert_data = "CA DATA"

[profile.prod.grpc_meta]
x-team = "batch"
`;

function configFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-config-'));
  const file = path.join(dir, 'temporal.toml');
  fs.writeFileSync(file, TOML);
  return file;
}

describe('connection settings', () => {
  it('with nothing set: the default address, not configured (jobctl then looks for a dev server)', () => {
    const s = settingsFromEnv({ HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'dj-home-')) });
    assert.deepEqual([s.address, s.namespace, s.configured, s.tls, s.apiKey], ['127.0.0.1:7233', 'default', false, undefined, undefined]);
    assert.deepEqual(connectionOptions(s), { address: '127.0.0.1:7233' });
  });

  it('reads the profile TEMPORAL_PROFILE names from TEMPORAL_CONFIG_FILE, with TLS, API key and gRPC metadata', () => {
    const s = settingsFromEnv({ TEMPORAL_CONFIG_FILE: configFile(), TEMPORAL_PROFILE: 'prod' });
    assert.deepEqual([s.address, s.namespace, s.apiKey, s.configured, s.profile], ['prod.example:7233', 'prod-ns', 'secret-key', true, 'prod']);
    const o = connectionOptions(s);
    assert.equal(o.apiKey, 'secret-key');
    assert.deepEqual(o.metadata, { 'x-team': 'batch' });
    assert.ok(o.tls && typeof o.tls === 'object');
    assert.equal(o.tls.serverNameOverride, 'prod.internal');
    assert.equal(Buffer.from(o.tls.serverRootCACertificate ?? '').toString(), 'CA DATA');
  });

  it('the default profile when none is named; variables override the file', () => {
    const file = configFile();
    assert.equal(settingsFromEnv({ TEMPORAL_CONFIG_FILE: file }).namespace, 'from-default');
    const s = settingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'env.example:7233', TEMPORAL_NAMESPACE: 'env-ns' });
    assert.deepEqual([s.address, s.namespace], ['env.example:7233', 'env-ns']);
  });

  it('TEMPORAL_TLS=false turns TLS off even with an API key (which otherwise implies TLS)', () => {
    assert.equal(connectionOptions(settingsFromEnv({ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_API_KEY: 'k' })).tls, true);
    const off = connectionOptions(settingsFromEnv({ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }));
    assert.equal(off.tls, false);
    assert.equal(off.apiKey, 'k');
  });

  it('the older TEMPORAL_TLS_CERT / _KEY / _CA names are still read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-certs-'));
    for (const f of ['c.pem', 'k.pem', 'ca.pem']) fs.writeFileSync(path.join(dir, f), f);
    const s = settingsFromEnv({ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_TLS_CERT: path.join(dir, 'c.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'k.pem'), TEMPORAL_TLS_CA: path.join(dir, 'ca.pem') });
    const o = connectionOptions(s);
    assert.ok(o.tls && typeof o.tls === 'object');
    assert.equal(Buffer.from(o.tls.clientCertPair?.crt ?? '').toString(), 'c.pem');
    assert.equal(Buffer.from(o.tls.clientCertPair?.key ?? '').toString(), 'k.pem');
    assert.equal(Buffer.from(o.tls.serverRootCACertificate ?? '').toString(), 'ca.pem');
  });

  it('an empty variable counts as unset; a profile that does not exist is a clear error', () => {
    assert.equal(settingsFromEnv({ TEMPORAL_ADDRESS: '', HOME: os.tmpdir() }).configured, false);
    assert.throws(() => settingsFromEnv({ TEMPORAL_CONFIG_FILE: configFile(), TEMPORAL_PROFILE: 'staging' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /profile "staging"/);
      assert.match(err.message, /temporal\.toml/);
      return true;
    });
  });
});
