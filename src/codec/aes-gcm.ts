// AES-256-GCM payload codec (issue 15, section 4), the encryption Temporal recommends for what workflows
// and activities carry (temporalio/samples-typescript `encryption/`): each payload is serialized whole
// (metadata and data, as protobuf) and encrypted with the current key; the key id travels in the
// encrypted payload's metadata, so payloads made under an older key still decrypt while it is listed.
// node:crypto does the cryptography.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeyRing } from './keys';

/** The encoding of an encrypted payload, as Temporal's samples name it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = (s: string) => Buffer.from(s, 'utf8');

export class AesGcmCodec implements PayloadCodec {
  // A private field: settings that hold the codec can be printed without printing the keys.
  readonly #keys: CodecKeyRing;

  constructor(keys: CodecKeyRing) {
    this.#keys = keys;
  }

  /** The key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.#keys.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.#keys.current;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      // The key id is authenticated too: a payload relabelled with another key id does not decrypt.
      cipher.setAAD(text(id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: text(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      // Payloads written before the codec was configured stay readable.
      if (encoding === undefined || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[METADATA_KEY_ID];
      if (idBytes === undefined) throw new ValueError('an encrypted payload has no encryption key id');
      const id = Buffer.from(idBytes).toString('utf8');
      const key = this.#keys.all.get(id);
      if (key === undefined) {
        throw new ValueError(`a payload is encrypted with key "${id}", which is not among the configured keys (${[...this.#keys.all.keys()].join(', ')})`);
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`an encrypted payload (key "${id}") is too short`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(text(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(`an encrypted payload (key "${id}") does not decrypt: it was altered, or the key with that id is not the one it was made with`);
      }
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}
