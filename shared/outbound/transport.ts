/**
 * The one outbound transport: node:http(s) with the connection pinned to the address the SSRF
 * guard checked (our own `lookup` answers with it, so DNS cannot be re-asked and rebound), a
 * connect timeout, an overall deadline, a response size cap, and no redirect following.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './ssrf.js';
import { hostOf, portOf } from './url.js';

export interface TransportRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
  pinned: ResolvedAddress;
  connectTimeoutMs: number;
  /** Absolute deadline (ms since epoch, Date.now clock). */
  deadline: number;
  maxResponseBytes: number;
  /** Keep the first maxResponseBytes and close, instead of failing with too_large (webhook deliveries only need an excerpt). */
  truncateResponse?: boolean | undefined;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export type TransportErrorKind = 'connect_timeout' | 'timeout' | 'network' | 'too_large';

export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

const pinnedLookup =
  (pinned: ResolvedAddress): LookupFunction =>
  (_hostname, options, callback) => {
    // Node asks with `all: true` when happy-eyeballs is on; answer in whichever shape it asked for.
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };

export const nodeTransport: Transport = (req) =>
  new Promise<TransportResponse>((resolve, reject) => {
    const remaining = req.deadline - Date.now();
    if (remaining <= 0) {
      reject(new TransportError('timeout', 'deadline passed before sending'));
      return;
    }
    const secure = req.url.protocol === 'https:';
    const lib = secure ? https : http;
    // Keep-alive sockets are keyed by host:port; pinning keeps them bound to a checked address.
    const options: https.RequestOptions = {
      method: req.method,
      host: hostOf(req.url),
      port: portOf(req.url),
      path: `${req.url.pathname}${req.url.search}`,
      headers: req.headers,
      lookup: pinnedLookup(req.pinned),
      agent: secure ? httpsAgent : httpAgent,
    };
    let settled = false;
    const fail = (err: TransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      clearTimeout(connect);
      request.destroy();
      reject(err);
    };
    const request = lib.request(options, (res) => {
      clearTimeout(connect);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= req.maxResponseBytes) chunks.push(c);
        else if (!req.truncateResponse)
          fail(new TransportError('too_large', `response exceeds ${req.maxResponseBytes} bytes`));
        else if (!settled) {
          chunks.push(c.subarray(0, c.length - (size - req.maxResponseBytes)));
          settled = true;
          clearTimeout(total);
          resolve({
            status: res.statusCode ?? 502,
            headers: res.headers as Record<string, string | string[]>,
            body: Buffer.concat(chunks),
          });
          request.destroy();
        }
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        resolve({
          status: res.statusCode ?? 502,
          headers: res.headers as Record<string, string | string[]>,
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        });
      });
      res.on('error', (err) => fail(new TransportError('network', err.message, { cause: err })));
    });
    const total = setTimeout(
      () => fail(new TransportError('timeout', 'upstream did not answer in time')),
      remaining,
    );
    const connect = setTimeout(
      () => fail(new TransportError('connect_timeout', 'connect timed out')),
      Math.min(req.connectTimeoutMs, remaining),
    );
    request.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connect);
      else socket.once('connect', () => clearTimeout(connect));
    });
    request.on('error', (err) => fail(new TransportError('network', err.message, { cause: err })));
    request.end(req.body);
  });
