// Payload encryption for the Jobs' workflows and activities, and the HTTP codec server the Web UI calls.
export { AesGcmCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID } from './aes-gcm';
export { CODEC_KEYS_VAR, CODEC_KEY_FILE_VAR, CodecKeyError, KEY_BYTES, keyRingFromEnv, parseKeyRing, type CodecKey, type CodecKeyRing } from './keys';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './server';
