// The codec server the Temporal Web UI (and `temporal --codec-endpoint`) calls to show encrypted payloads
// decoded (issue 15, section 4): POST /decode and /encode with `{"payloads": [{metadata, data}]}`, fields
// base64 as in protobuf JSON. Only the UI's origins get CORS headers, and with a token configured only
// requests carrying `Authorization: Bearer <token>` are answered, so only people allowed to see the
// plaintext do. node:http is enough for two routes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { ValueError, type Payload, type PayloadCodec } from '@temporalio/common';

/** The Web UI posts a workflow's payloads at once; a history's worth fits well under this. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 127.0.0.1 by default: the codec server decrypts for whoever reaches it. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Origins allowed to call from a browser (the Web UI's, e.g. http://localhost:8233). */
  origins: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <authToken>`. */
  authToken?: string;
  log?: (message: string) => void;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fromJson(p: unknown, i: number): Payload {
  if (p === null || typeof p !== 'object') throw new HttpError(400, `payloads[${i}]: must be an object`);
  const { metadata, data } = p as JsonPayload;
  const bytes = (v: unknown, where: string) => {
    if (typeof v !== 'string') throw new HttpError(400, `payloads[${i}].${where}: must be a base64 string`);
    return Buffer.from(v, 'base64');
  };
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, bytes(v, `metadata.${k}`)])),
    ...(data !== undefined && data !== null ? { data: bytes(data, 'data') } : {}),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(opts.origins);
  const log = opts.log ?? (() => undefined);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      // A browser page of another origin gets nothing, not even an error it could read.
      if (!origins.has(origin)) throw new HttpError(403, `origin ${origin} is not allowed`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    const route = (req.url ?? '').split('?')[0];
    if (route !== '/decode' && route !== '/encode') throw new HttpError(404, 'POST /decode or /encode');
    if (req.method !== 'POST') throw new HttpError(405, 'POST only');
    if (opts.authToken !== undefined) {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameSecret(auth.slice('Bearer '.length), opts.authToken)) throw new HttpError(401, 'missing or wrong Authorization header');
    }
    const body = await readBody(req);
    const list = (body as { payloads?: unknown } | null)?.payloads;
    if (!Array.isArray(list)) throw new HttpError(400, 'expected {"payloads": [...]}');
    const payloads = list.map(fromJson);
    const out = route === '/decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A payload that does not decrypt is the caller's (400); the reason is logged, never the payload.
      const status = err instanceof HttpError ? err.status : err instanceof ValueError ? 400 : 500;
      const message = err instanceof Error ? err.message : String(err);
      log(`codec server: ${req.method} ${req.url}: ${status} ${message}`);
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(`${message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
