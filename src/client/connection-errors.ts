// Why a connection to Temporal failed, said plainly and with the address: the port refused, the host name
// did not resolve, the TLS handshake failed, the other end is not a Temporal frontend, or the namespace is
// missing. gRPC reports all of these as UNAVAILABLE or similar with the cause buried in its text.
import dns from 'node:dns/promises';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Client } from '@temporalio/client';

export type ConnectionFailure = 'refused' | 'unresolved' | 'tls' | 'not-temporal' | 'timeout' | 'unknown';

/** Every message and code along an error's cause chain. */
function chain(err: unknown): { text: string; codes: number[] } {
  const texts: string[] = [];
  const codes: number[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const o = e as { message?: unknown; details?: unknown; code?: unknown; cause?: unknown };
    if (typeof o.message === 'string') texts.push(o.message);
    if (typeof o.details === 'string') texts.push(o.details);
    if (typeof o.code === 'number') codes.push(o.code);
    if (typeof o.code === 'string') texts.push(o.code);
    e = o.cause;
  }
  if (texts.length === 0) texts.push(String(err));
  return { text: texts.join(' | '), codes };
}

export function classifyConnectionFailure(err: unknown): ConnectionFailure {
  const { text, codes } = chain(err);
  if (/ECONNREFUSED|connection refused/i.test(text)) return 'refused';
  if (/ENOTFOUND|EAI_AGAIN|name resolution|DNS resolution|getaddrinfo|could not resolve/i.test(text)) return 'unresolved';
  if (/\bSSL\b|\bTLS\b|certificate|handshake|wrong version number|self[- ]signed|ERR_SSL/i.test(text)) return 'tls';
  // UNIMPLEMENTED, an HTTP answer, or a broken HTTP/2 stream: something listens, but it does not speak Temporal's API.
  if (codes.includes(12) || /Received HTTP|HTTP status|content-type|Protocol error|http2|unimplemented|Stream removed|RST_STREAM/i.test(text)) return 'not-temporal';
  if (codes.includes(4) || /deadline/i.test(text)) return 'timeout';
  return 'unknown';
}

/** `host:port` or `[v6]:port` (port 7233 when left out). */
export function splitAddress(address: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? 7233) };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { host: address, port: 7233 };
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/** Resolves true once `connect` gives a socket ready event, false on its error or after `ms`. */
function probe(connect: () => net.Socket, ready: 'connect' | 'secureConnect', ms: number): Promise<{ ok: boolean; code?: string }> {
  return new Promise((resolve) => {
    const socket = connect();
    const done = (r: { ok: boolean; code?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, code: 'ETIMEDOUT' }), ms);
    socket.once(ready, () => done({ ok: true }));
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, code: e.code }));
  });
}

/**
 * The SDK reports most failures as "Failed to connect before the deadline", without the cause: ask the
 * network directly (resolve the name, open the port, try a TLS handshake, ask for GetSystemInfo) to say
 * which it was.
 */
export async function diagnoseConnectionFailure(address: string, useTls: boolean, err: unknown, ms = 3000): Promise<ConnectionFailure> {
  const said = classifyConnectionFailure(err);
  if (said !== 'timeout' && said !== 'unknown') return said;
  const { host, port } = splitAddress(address);
  if (!net.isIP(host)) {
    try {
      await dns.lookup(host);
    } catch {
      return 'unresolved';
    }
  }
  const tcp = await probe(() => net.connect({ host, port }), 'connect', ms);
  if (!tcp.ok) return tcp.code === 'ECONNREFUSED' ? 'refused' : said;
  const handshake = await probe(() => tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false, ALPNProtocols: ['h2'] }), 'secureConnect', ms);
  // With TLS on, a failed handshake is the problem; with it off, a server that does speak TLS is.
  if (useTls ? !handshake.ok : handshake.ok) return 'tls';
  // The port talks as expected: is it Temporal's API? A slow frontend is not "something else".
  const answer = await grpcProbe(host, port, useTls, ms);
  if (answer === 'other') return 'not-temporal';
  // A frontend that answers an unverified probe but not the client: its certificate was refused.
  if (answer === 'temporal' && useTls) return 'tls';
  return said === 'unknown' ? 'unknown' : 'timeout';
}

/**
 * One GetSystemInfo over plain HTTP/2 (gRPC framing, certificates not verified): `temporal` when a gRPC
 * server answers it, `other` for anything else that answers, `silent` when nothing does in time.
 */
function grpcProbe(host: string, port: number, useTls: boolean, ms: number): Promise<'temporal' | 'other' | 'silent'> {
  return new Promise((resolve) => {
    const authority = `${useTls ? 'https' : 'http'}://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    const session = http2.connect(authority, useTls ? { rejectUnauthorized: false } : {});
    let settled = false;
    const done = (r: 'temporal' | 'other' | 'silent') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('silent'), ms);
    // Anything that breaks or closes the HTTP/2 session before a response is not a gRPC server.
    session.on('error', () => done('other'));
    session.on('close', () => done('other'));
    const req = session.request({
      ':method': 'POST',
      ':path': '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    req.on('response', (headers) => done(String(headers['content-type'] ?? '').startsWith('application/grpc') ? 'temporal' : 'other'));
    req.on('error', () => done('other'));
    req.on('close', () => done('other'));
    // An empty GetSystemInfoRequest: no compression flag, zero length.
    req.end(Buffer.alloc(5));
  });
}

/** The sentence for a failed connection to `address`, the underlying error's own text last. */
export function connectionFailureMessage(address: string, err: unknown, failure: ConnectionFailure = classifyConnectionFailure(err)): string {
  const why = err instanceof Error ? err.message : String(err);
  const reason: Record<ConnectionFailure, string> = {
    refused: 'connection refused (nothing listens there: is the Temporal server running?)',
    unresolved: 'the host name could not be resolved',
    tls: "TLS failed (the server wants TLS and the client does not use it, or the handshake failed: check TEMPORAL_TLS*, the server's certificate, TEMPORAL_TLS=false for a plain-text server)",
    'not-temporal': 'something answered, but not a Temporal frontend (wrong port? plain text to a TLS port?)',
    timeout: 'no answer in time (a firewall, a TLS mismatch, or a server still starting)',
    unknown: '',
  };
  const said = reason[failure];
  return `cannot connect to Temporal at ${address}: ${said ? `${said}: ` : ''}${why}`;
}

/** The client's namespace does not exist on the server. */
export class NamespaceNotFoundError extends Error {
  constructor(
    readonly address: string,
    readonly namespace: string,
  ) {
    super(`Temporal namespace "${namespace}" was not found on the server at ${address} (set TEMPORAL_NAMESPACE, or create it: temporal operator namespace create ${namespace})`);
    this.name = 'NamespaceNotFoundError';
  }
}

/** Whether the client's namespace exists; an error of another kind (permissions, connection) is passed on. */
export async function namespaceExists(client: Client): Promise<boolean> {
  try {
    await client.connection.workflowService.describeNamespace({ namespace: client.options.namespace });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 5) return false;
    throw err;
  }
}
