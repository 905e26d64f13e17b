// The payload codec and its codec server, without Temporal (issue 15, section 4): AES-256-GCM round trip,
// rotation by key id (encrypt with the current key, decrypt with any listed one), tampering refused, key
// lists checked without ever echoing a key, and the HTTP endpoints the Web UI calls (CORS for its origin
// only, the auth header when configured).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { METADATA_ENCODING_KEY, ValueError, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID, keyRingFromEnv, parseKeyRing, startCodecServer } from '../src/codec';
import { ConfigError, settingsFromEnv } from '../src/client/connection';

const key = () => randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();
const SECRET = 'hunter2-plaintext-password';
const utf8 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

function payloads(): Payload[] {
  return [defaultPayloadConverter.toPayload({ env: [{ name: 'PASSWORD', value: SECRET }] }), defaultPayloadConverter.toPayload(null)];
}

describe('AES-256-GCM payload codec', () => {
  it('encrypts every payload whole (no plaintext, key id in the metadata) and decrypts it back', async () => {
    const codec = new AesGcmCodec(parseKeyRing([`k1=${K1}`], 'test'));
    const plain = payloads();
    const encoded = await codec.encode(plain);
    assert.equal(encoded.length, 2);
    for (const p of encoded) {
      assert.equal(utf8(p.metadata?.[METADATA_ENCODING_KEY]), ENCRYPTED_ENCODING);
      assert.equal(utf8(p.metadata?.[METADATA_KEY_ID]), 'k1');
      assert.ok(!Buffer.from(p.data ?? []).includes(Buffer.from(SECRET)), 'no plaintext in the ciphertext');
      assert.ok(!Buffer.from(p.data ?? []).includes(Buffer.from('json/plain')), 'the inner metadata is encrypted too');
    }
    // A fresh IV each time: the same payload never encrypts the same way twice.
    assert.notDeepEqual((await codec.encode(plain))[0]?.data, encoded[0]?.data);
    const decoded = await codec.decode(encoded);
    assert.deepEqual(decoded.map((p) => defaultPayloadConverter.fromPayload(p)), plain.map((p) => defaultPayloadConverter.fromPayload(p)));
    // Payloads written before the codec was configured still read.
    assert.deepEqual(await codec.decode(plain), plain);
  });

  it('rotation: the current key encrypts, every listed key decrypts, an unlisted one is named', async () => {
    const old = new AesGcmCodec(parseKeyRing([`k1=${K1}`], 'test'));
    const rotated = new AesGcmCodec(parseKeyRing([`k2=${K2}`, `k1=${K1}`], 'test'));
    const before = await old.encode(payloads());
    const after = await rotated.encode(payloads());
    assert.equal(utf8(after[0]?.metadata?.[METADATA_KEY_ID]), 'k2');
    assert.equal(defaultPayloadConverter.fromPayload<{ env: Array<{ value: string }> }>((await rotated.decode(before))[0]!).env[0]?.value, SECRET);
    assert.equal(defaultPayloadConverter.fromPayload<{ env: Array<{ value: string }> }>((await rotated.decode(after))[0]!).env[0]?.value, SECRET);
    await assert.rejects(old.decode(after), (err: unknown) => err instanceof ValueError && /encrypted with key "k2", which is not among the configured keys \(k1\)/.test(err.message));
  });

  it('a tampered ciphertext or a relabelled key id does not decrypt', async () => {
    const codec = new AesGcmCodec(parseKeyRing([`k1=${K1}`, `k2=${K1}`], 'test'));
    const [p] = await codec.encode(payloads());
    const flipped = Buffer.from(p!.data!);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await assert.rejects(codec.decode([{ ...p!, data: flipped }]), /does not decrypt: it was altered/);
    // Same key bytes under another id: the id is authenticated data, so the relabelled payload fails.
    const relabelled = { ...p!, metadata: { ...p!.metadata, [METADATA_KEY_ID]: Buffer.from('k2') } };
    await assert.rejects(codec.decode([relabelled]), /does not decrypt/);
  });

  it('key lists: bad entries are refused with their place and never the key itself', () => {
    const refused = (entries: string[], message: RegExp) =>
      assert.throws(() => parseKeyRing(entries, 'keys.txt'), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, message);
        for (const e of entries) {
          const secret = e.split('=').slice(1).join('=');
          if (secret.length > 8) assert.ok(!err.message.includes(secret), 'the key is not in the message');
        }
        return true;
      });
    refused([`k1=${randomBytes(16).toString('base64')}`], /^keys\.txt, entry 1: the key of "k1" is 16 bytes; AES-256 needs 32/);
    refused([`k1=${K1}`, `k1=${K2}`], /entry 2: key id "k1" is listed twice/);
    refused(['# only a comment', ''], /^keys\.txt: no key$/);
    refused([`bad id=${K1}`], /key id "bad id" must be/);
    refused(['k1=not base64!'], /the key of "k1" is not base64/);
    const ring = parseKeyRing(['# current first', `k2=${K2}`, '', `k1=${K1}`], 'keys.txt');
    assert.equal(ring.current.id, 'k2');
    assert.deepEqual([...ring.all.keys()], ['k2', 'k1']);
  });

  it('keys from a file or a variable; the client settings carry the codec, and bad keys are a ConfigError', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-codec-'));
    try {
      const file = path.join(dir, 'keys');
      fs.writeFileSync(file, `k2=${K2}\nk1=${K1}\n`, { mode: 0o600 });
      assert.equal(keyRingFromEnv({ DURABLE_JOBS_CODEC_KEY_FILE: file })?.current.id, 'k2');
      assert.equal(keyRingFromEnv({ DURABLE_JOBS_CODEC_KEYS: `k1=${K1},k2=${K2}` })?.current.id, 'k1');
      assert.equal(keyRingFromEnv({}), undefined);
      assert.throws(() => keyRingFromEnv({ DURABLE_JOBS_CODEC_KEY_FILE: file, DURABLE_JOBS_CODEC_KEYS: `k1=${K1}` }), /not both/);
      const home = { HOME: dir };
      const settings = settingsFromEnv({ ...home, DURABLE_JOBS_CODEC_KEY_FILE: file });
      assert.ok(settings.codec instanceof AesGcmCodec);
      assert.ok(!JSON.stringify(settings).includes(K2), 'printing the settings does not print a key');
      assert.equal(settingsFromEnv(home).codec, undefined);
      assert.throws(() => settingsFromEnv({ ...home, DURABLE_JOBS_CODEC_KEY_FILE: path.join(dir, 'missing') }), (err: unknown) => err instanceof ConfigError && /cannot read the codec key file/.test(err.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('codec server (HTTP, as the Web UI calls it)', () => {
  const UI = 'http://localhost:8233';
  const toJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  });

  it('decodes and encodes for the UI origin with the token; refuses other origins and missing tokens', async () => {
    const codec = new AesGcmCodec(parseKeyRing([`k1=${K1}`], 'test'));
    const server = await startCodecServer({ codec, origins: [UI], authToken: 'let-me-in' });
    try {
      const encrypted = await codec.encode(payloads());
      const post = (route: string, headers: Record<string, string>, body: unknown = { payloads: encrypted.map(toJson) }) =>
        fetch(`${server.url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
      const auth = { Authorization: 'Bearer let-me-in', Origin: UI, 'X-Namespace': 'default' };

      const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Method': 'POST' } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);

      const decoded = await post('/decode', auth);
      assert.equal(decoded.status, 200);
      assert.equal(decoded.headers.get('access-control-allow-origin'), UI);
      const body = (await decoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
      assert.equal(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
      assert.match(Buffer.from(body.payloads[0]!.data, 'base64').toString(), new RegExp(SECRET));

      const reencoded = await post('/encode', auth, body);
      const again = (await reencoded.json()) as { payloads: Array<{ metadata: Record<string, string> }> };
      assert.equal(Buffer.from(again.payloads[0]!.metadata[METADATA_KEY_ID]!, 'base64').toString(), 'k1');

      assert.equal((await post('/decode', { Origin: UI })).status, 401, 'no token');
      assert.equal((await post('/decode', { ...auth, Authorization: 'Bearer let-me-i' })).status, 401, 'wrong token');
      const foreign = await post('/decode', { ...auth, Origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
      assert.equal((await post('/decode', auth, { nope: 1 })).status, 400);
      const tampered = toJson({ ...encrypted[0]!, data: Buffer.from(encrypted[0]!.data!).fill(1, 13, 20) });
      const bad = await post('/decode', auth, { payloads: [tampered] });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /does not decrypt/);
    } finally {
      await server.close();
    }
  });
});
