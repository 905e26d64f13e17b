// Connection settings read the way Temporal's own CLI reads them (a temporal.toml profile, then the
// TEMPORAL_* environment variables, through @temporalio/envconfig), and errors that say what to do.
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ClientConfigTLS } from '@temporalio/envconfig';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { classifyConnectionFailure, connectionFailureMessage, diagnoseConnectionFailure, type ConnectionFailure } from './connection-errors';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { AesGcmCodec, CodecKeyError, keyRingFromEnv } from '../codec';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** Certificates as paths or inline data; `disabled` turns TLS off even with an API key. */
  tls?: ClientConfigTLS;
  /** Extra gRPC headers (a profile's `grpc_meta`, TEMPORAL_GRPC_META_*). */
  grpcMeta?: Record<string, string>;
  /**
   * Whether a server was named (TEMPORAL_ADDRESS or the profile's address) rather than defaulted:
   * without one, jobctl looks for a `jobctl dev` server on this host.
   */
  configured: boolean;
  /** The profile read, for messages ("default" unless TEMPORAL_PROFILE says otherwise). */
  profile: string;
  /**
   * Encrypts what the client sends and decrypts what it reads (workflow input, results, memo, update
   * arguments): DURABLE_JOBS_CODEC_KEY_FILE or DURABLE_JOBS_CODEC_KEYS (src/codec/keys.ts). Workers of
   * the same Jobs need the same keys.
   */
  codec?: PayloadCodec;
}

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** The connection configuration (profile file or variables) cannot be used. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The `temporal` CLI's configuration: the profile TEMPORAL_PROFILE names (else "default") of
 * TEMPORAL_CONFIG_FILE (else the user's temporal.toml), overridden by TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS (`false` turns it off) and TEMPORAL_TLS_*; the
 * older TEMPORAL_TLS_CERT / _KEY / _CA names are read too.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  // An empty variable means unset, as it did before profiles were read.
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') vars[k] = v;
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    const file = vars.TEMPORAL_CONFIG_FILE ?? "Temporal's client config file (temporal.toml)";
    throw new ConfigError(`cannot read connection profile "${vars.TEMPORAL_PROFILE ?? 'default'}" from ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const codec = codecFromEnv(vars);
  const tls: ClientConfigTLS | undefined = profile.tls ? { ...profile.tls } : undefined;
  const legacy = { clientCert: vars.TEMPORAL_TLS_CERT, clientKey: vars.TEMPORAL_TLS_KEY, serverCACert: vars.TEMPORAL_TLS_CA };
  let withLegacy = tls;
  for (const [field, path] of Object.entries(legacy) as Array<[keyof typeof legacy, string | undefined]>) {
    if (path === undefined || withLegacy?.[field]) continue;
    withLegacy = { ...withLegacy, [field]: { path } };
  }
  return {
    address: profile.address || DEFAULT_ADDRESS,
    namespace: profile.namespace || 'default',
    ...(profile.apiKey ? { apiKey: profile.apiKey } : {}),
    ...(withLegacy ? { tls: withLegacy } : {}),
    ...(profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? { grpcMeta: profile.grpcMeta } : {}),
    configured: Boolean(profile.address),
    profile: vars.TEMPORAL_PROFILE ?? 'default',
    ...(codec ? { codec } : {}),
  };
}

/** The payload codec DURABLE_JOBS_CODEC_KEY_FILE or DURABLE_JOBS_CODEC_KEYS configure, if any. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadCodec | undefined {
  try {
    const keys = keyRingFromEnv(env);
    return keys ? new AesGcmCodec(keys) : undefined;
  } catch (err) {
    if (err instanceof CodecKeyError) throw new ConfigError(err.message);
    throw err;
  }
}

/** The data converter of the settings' codec (undefined: Temporal's default, plain JSON payloads). */
export function dataConverterFor(settings: Pick<ConnectionSettings, 'codec'>): DataConverter | undefined {
  return settings.codec ? { payloadCodecs: [settings.codec] } : undefined;
}

/** A client on `connection` that encodes payloads as the settings say. */
export function clientFor(connection: Connection, namespace: string, settings: Pick<ConnectionSettings, 'codec'>): Client {
  const dataConverter = dataConverterFor(settings);
  return new Client({ connection, namespace, ...(dataConverter ? { dataConverter } : {}) });
}

/** Options both the client's Connection and the worker's NativeConnection accept. */
export interface BaseConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
}

export function connectionOptions(settings: ConnectionSettings): BaseConnectionOptions {
  const { connectionOptions: o } = toClientOptions({ address: settings.address, apiKey: settings.apiKey, tls: settings.tls, grpcMeta: settings.grpcMeta });
  return {
    address: settings.address,
    ...(o.apiKey ? { apiKey: o.apiKey as string } : {}),
    ...(o.tls !== undefined && o.tls !== null ? { tls: o.tls } : {}),
    ...(settings.grpcMeta ? { metadata: settings.grpcMeta } : {}),
  };
}

export class ConnectionError extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
    failure: ConnectionFailure = classifyConnectionFailure(cause),
  ) {
    const hint =
      failure === 'tls' || failure === 'not-temporal'
        ? ''
        : `\nStart a server with \`jobctl dev\`, point TEMPORAL_ADDRESS at an existing server (host:port), or unset ` +
          `TEMPORAL_ADDRESS to let \`jobctl run\` start an embedded one.`;
    super(`${connectionFailureMessage(address, cause, failure)}${hint}`);
    this.name = 'ConnectionError';
    this.failure = failure;
  }

  /** What went wrong, for programs that branch on it. */
  readonly failure: ConnectionFailure;
}

/** What a failed connect was, asking the network when the SDK's error does not say. */
async function connectFailure(settings: ConnectionSettings, err: unknown): Promise<ConnectionFailure> {
  try {
    // Reads the TLS files again: when that is what failed, the error's own text says so.
    const tls = connectionOptions(settings).tls;
    return await diagnoseConnectionFailure(settings.address, tls !== undefined && tls !== false, err);
  } catch {
    return classifyConnectionFailure(err);
  }
}

export async function connect(settings: ConnectionSettings = settingsFromEnv()): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: '5 seconds' });
  } catch (err) {
    throw new ConnectionError(settings.address, err, await connectFailure(settings, err));
  }
  return clientFor(connection, settings.namespace, settings);
}
