// Connection settings read the way Temporal's own CLI reads them, and errors that say what to do.
import fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: {
    serverName?: string;
    serverCaCertPath?: string;
    clientCertPath?: string;
    clientKeyPath?: string;
  };
}

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TEMPORAL_TLS_* as the `temporal` CLI uses them. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const settings: ConnectionSettings = {
    address: env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
  };
  if (env.TEMPORAL_API_KEY) settings.apiKey = env.TEMPORAL_API_KEY;
  const cert = env.TEMPORAL_TLS_CLIENT_CERT_PATH || env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_CLIENT_KEY_PATH || env.TEMPORAL_TLS_KEY;
  const ca = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH || env.TEMPORAL_TLS_CA;
  const wantTls = ['1', 'true'].includes((env.TEMPORAL_TLS ?? '').toLowerCase());
  if (cert || key || ca || wantTls || settings.apiKey) {
    settings.tls = {};
    if (env.TEMPORAL_TLS_SERVER_NAME) settings.tls.serverName = env.TEMPORAL_TLS_SERVER_NAME;
    if (ca) settings.tls.serverCaCertPath = ca;
    if (cert) settings.tls.clientCertPath = cert;
    if (key) settings.tls.clientKeyPath = key;
  }
  return settings;
}

/** Options both the client's Connection and the worker's NativeConnection accept. */
export interface BaseConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: TLSConfig;
}

export function connectionOptions(settings: ConnectionSettings): BaseConnectionOptions {
  const options: BaseConnectionOptions = { address: settings.address };
  if (settings.apiKey) options.apiKey = settings.apiKey;
  if (settings.tls) {
    const t = settings.tls;
    options.tls = {
      ...(t.serverName ? { serverNameOverride: t.serverName } : {}),
      ...(t.serverCaCertPath ? { serverRootCACertificate: fs.readFileSync(t.serverCaCertPath) } : {}),
      ...(t.clientCertPath && t.clientKeyPath
        ? { clientCertPair: { crt: fs.readFileSync(t.clientCertPath), key: fs.readFileSync(t.clientKeyPath) } }
        : {}),
    };
  }
  return options;
}

export class ConnectionError extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot connect to Temporal at ${address}: ${why}\n` +
        `Is a Temporal server running there? Start one with \`jobctl dev\`, point TEMPORAL_ADDRESS at an existing ` +
        `server (host:port), or unset TEMPORAL_ADDRESS to let \`jobctl run\` start an embedded one.`,
    );
    this.name = 'ConnectionError';
  }
}

export async function connect(settings: ConnectionSettings = settingsFromEnv()): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: '5 seconds' });
  } catch (err) {
    throw new ConnectionError(settings.address, err);
  }
  return new Client({ connection, namespace: settings.namespace });
}
