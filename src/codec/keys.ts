// The keys of the payload codec (issue 15, section 4): a list of `<key id>=<base64 of 32 bytes>`, the
// first one current (it encrypts), every one usable to decrypt. Rotation is: put the new key first, keep
// the old ones listed until no history that needs them is left. Read from a file
// (DURABLE_JOBS_CODEC_KEY_FILE, one key a line) or a variable (DURABLE_JOBS_CODEC_KEYS, comma-separated).
import fs from 'node:fs';

/** AES-256: a key is 32 bytes. */
export const KEY_BYTES = 32;

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** The keys, current first; never empty. */
export interface CodecKeyRing {
  current: CodecKey;
  all: ReadonlyMap<string, Buffer>;
}

export const CODEC_KEY_FILE_VAR = 'DURABLE_JOBS_CODEC_KEY_FILE';
export const CODEC_KEYS_VAR = 'DURABLE_JOBS_CODEC_KEYS';

export class CodecKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecKeyError';
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses `id=base64` entries (blank entries and `#` comments skipped); `source` names them in errors. */
export function parseKeyRing(entries: readonly string[], source: string): CodecKeyRing {
  const keys: CodecKey[] = [];
  const all = new Map<string, Buffer>();
  for (const [i, raw] of entries.entries()) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const eq = entry.indexOf('=');
    // The key itself never appears in a message.
    const where = `${source}, entry ${i + 1}`;
    if (eq <= 0) throw new CodecKeyError(`${where}: expected <key id>=<base64 key>`);
    const id = entry.slice(0, eq).trim();
    const b64 = entry.slice(eq + 1).trim();
    if (!KEY_ID.test(id)) throw new CodecKeyError(`${where}: key id ${JSON.stringify(id)} must be 1-64 letters, digits, '.', '_' or '-'`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new CodecKeyError(`${where}: the key of ${JSON.stringify(id)} is not base64`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== KEY_BYTES) throw new CodecKeyError(`${where}: the key of ${JSON.stringify(id)} is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (openssl rand -base64 32)`);
    if (all.has(id)) throw new CodecKeyError(`${where}: key id ${JSON.stringify(id)} is listed twice`);
    all.set(id, key);
    keys.push({ id, key });
  }
  const [current] = keys;
  if (current === undefined) throw new CodecKeyError(`${source}: no key`);
  return { current, all };
}

/**
 * The key ring the environment configures, or undefined when it configures none (payloads then travel as
 * plain JSON, Temporal's default). Both variables at once is refused: which one wins would be a guess.
 */
export function keyRingFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKeyRing | undefined {
  const file = env[CODEC_KEY_FILE_VAR] || undefined;
  const inline = env[CODEC_KEYS_VAR] || undefined;
  if (file !== undefined && inline !== undefined) throw new CodecKeyError(`set ${CODEC_KEY_FILE_VAR} or ${CODEC_KEYS_VAR}, not both`);
  if (inline !== undefined) return parseKeyRing(inline.split(','), CODEC_KEYS_VAR);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodecKeyError(`cannot read the codec key file ${file} (${CODEC_KEY_FILE_VAR}): ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseKeyRing(text.split('\n'), file);
}
