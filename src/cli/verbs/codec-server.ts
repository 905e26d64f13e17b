// `jobctl codec-server`: the HTTP codec endpoint the Temporal Web UI calls to show the Jobs' encrypted
// payloads (set it in the UI's "Codec Server" settings, or `temporal server start-dev --ui-codec-endpoint`).
// It decrypts with the same keys as jobctl and the workers (DURABLE_JOBS_CODEC_KEY_FILE / _KEYS).
import { AesGcmCodec, CODEC_KEYS_VAR, CODEC_KEY_FILE_VAR, keyRingFromEnv, startCodecServer } from '../../client';
import { CliError, type Output } from '../output';

/** The UIs `jobctl dev` and `temporal server start-dev` serve by default. */
export const DEFAULT_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
export const CODEC_AUTH_TOKEN_VAR = 'DURABLE_JOBS_CODEC_AUTH_TOKEN';

export interface CodecServerCommandOptions {
  host: string;
  port: number;
  /** Browser origins allowed to call (the Web UI's). */
  uiOrigin?: string[];
}

/** Runs until SIGINT/SIGTERM; `started` is for tests and for callers that print the URL themselves. */
export async function codecServerCommand(o: CodecServerCommandOptions, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let keys;
  try {
    keys = keyRingFromEnv(env);
  } catch (err) {
    throw new CliError(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (keys === undefined) throw new CliError(`error: no codec keys: set ${CODEC_KEY_FILE_VAR} (or ${CODEC_KEYS_VAR}, or --codec-key-file)`);
  const authToken = env[CODEC_AUTH_TOKEN_VAR] || undefined;
  const origins = o.uiOrigin?.length ? o.uiOrigin : DEFAULT_UI_ORIGINS;
  const server = await startCodecServer({ codec: new AesGcmCodec(keys), host: o.host, port: o.port, origins, ...(authToken ? { authToken } : {}), log: (m) => out.info(m) });
  out.info(`Codec server on ${server.url} (POST /decode, /encode); keys: ${[...keys.all.keys()].join(', ')} (encrypting with ${keys.current.id})`);
  out.info(`  Web UI origins allowed: ${origins.join(', ')}`);
  out.info(authToken ? `  requests need "Authorization: Bearer <${CODEC_AUTH_TOKEN_VAR}>"` : `  no auth token (${CODEC_AUTH_TOKEN_VAR} unset): anyone who reaches ${server.url} can decrypt`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
