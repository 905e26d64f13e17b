// The Temporal server's config that the cluster e2e (and a user copying it) relies on, checked without a
// server: valid YAML, both stores on the postgres12 plugin (advanced visibility on SQL), every service on
// the one bind address, and the frontend's address where the cluster metadata says it is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { clusterConfigYaml, dynamicConfigYaml } from '../src/dev/cluster';

describe('the cluster server config', () => {
  const ports = { frontend: { grpc: 7001, membership: 7002 }, history: { grpc: 7003, membership: 7004 }, matching: { grpc: 7005, membership: 7006 }, worker: { grpc: 7007, membership: 7008 } };
  const config = parse(clusterConfigYaml({ bindIp: '10.1.2.3', ports, httpPort: 7009, pg: { host: '127.0.0.1', port: 5999, user: 'temporal' }, shards: 4, dynamicConfigFile: '/srv/t/config/dynamicconfig.yaml' })) as {
    persistence: { defaultStore: string; visibilityStore: string; numHistoryShards: number; datastores: Record<string, { sql: { pluginName: string; databaseName: string; connectAddr: string } }> };
    global: { membership: { broadcastAddress: string } };
    services: Record<string, { rpc: { grpcPort: number; membershipPort: number; bindOnIP: string; httpPort?: number } }>;
    clusterMetadata: { currentClusterName: string; clusterInformation: Record<string, { rpcAddress: string }> };
    dynamicConfigClient: { filepath: string; pollInterval: string };
  };

  it('keeps history and visibility on PostgreSQL through the postgres12 plugin', () => {
    const { persistence } = config;
    assert.equal(persistence.numHistoryShards, 4);
    const stores = [persistence.datastores[persistence.defaultStore].sql, persistence.datastores[persistence.visibilityStore].sql];
    assert.deepEqual(stores.map((s) => [s.pluginName, s.databaseName, s.connectAddr]), [
      ['postgres12', 'temporal', '127.0.0.1:5999'],
      ['postgres12', 'temporal_visibility', '127.0.0.1:5999'],
    ]);
  });

  it('binds and advertises every service on the one address, and names the frontend there', () => {
    assert.deepEqual(Object.keys(config.services).sort(), ['frontend', 'history', 'matching', 'worker']);
    for (const [name, s] of Object.entries(config.services)) {
      assert.equal(s.rpc.bindOnIP, '10.1.2.3', name);
      assert.deepEqual([s.rpc.grpcPort, s.rpc.membershipPort], [ports[name as keyof typeof ports].grpc, ports[name as keyof typeof ports].membership]);
    }
    assert.equal(config.services.frontend.rpc.httpPort, 7009);
    assert.equal(config.global.membership.broadcastAddress, '10.1.2.3');
    assert.equal(config.clusterMetadata.clusterInformation[config.clusterMetadata.currentClusterName].rpcAddress, '10.1.2.3:7001');
  });

  it('reads a dynamic config that lets up to 1,000 pods end during one workflow task', () => {
    assert.equal(config.dynamicConfigClient.filepath, '/srv/t/config/dynamicconfig.yaml');
    const dynamic = parse(dynamicConfigYaml()) as Record<string, Array<{ value: unknown }>>;
    assert.deepEqual(dynamic['history.maximumBufferedEventsBatch'], [{ value: 2000 }]);
  });
});
