// What `jobctl version` and `cluster-info` say about the two ends: this package's version, and the Temporal
// frontend's own (GetSystemInfo) with the namespace the client uses.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';

/** This package's version (package.json at the package root, two levels above dist/src/client or src/client). */
export function clientVersion(): string {
  for (const up of ['../../..', '../..']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'durable-jobs' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not there: try the next level.
    }
  }
  return 'unknown';
}

export interface ServerInfo {
  /** The Temporal server's version, as its frontend reports it ("" when it does not say). */
  serverVersion: string;
  /** Capabilities the frontend announces that jobctl relies on. */
  capabilities: { sdkMetadata: boolean; upsertMemo: boolean; eagerWorkflowStart: boolean };
}

/** GetSystemInfo from the frontend the client is connected to. */
export async function serverInfo(client: Client): Promise<ServerInfo> {
  const res = await client.connection.workflowService.getSystemInfo({});
  const caps = res.capabilities ?? {};
  return {
    serverVersion: res.serverVersion ?? '',
    capabilities: { sdkMetadata: caps.sdkMetadata === true, upsertMemo: caps.upsertMemo === true, eagerWorkflowStart: caps.eagerWorkflowStart === true },
  };
}
