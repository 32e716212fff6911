/** The local API Gateway: an HTTP server on loopback that turns each request into a payload v2.0 event for the function the route table names. */
import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HookbridgeError, toProblem } from '../../shared/errors.js';
import { problemResponse, toResult } from '../../shared/http/lambda.js';
import { createRouter, routeKey } from '../../shared/http/route.js';
import { DEFAULT_ROUTE_FN, GATEWAY_ROUTES } from '../routes.js';
import { fromResult, PAYLOAD_LIMIT_BYTES, type RawRequest, toEvent } from './gateway.js';
import { runAs } from './iam.js';

export type Handler = (event: APIGatewayProxyEventV2, context?: unknown) => Promise<unknown>;

/** API Gateway's integration timeout: a request with no answer by then ends in a 504. */
export const GATEWAY_TIMEOUT_MS = 30_000;

/** The handler's result, or `timeout` when it has not answered within `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolveBody('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () =>
      resolveBody(over ? 'too_large' : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}
const writeProblem = (res: ServerResponse, err: HookbridgeError) => {
  const r = fromResult(toResult(problemResponse(err)));
  res.writeHead(r.status, r.headers);
  res.end(r.body);
};

/** A local-runtime-only server below a path prefix (the dev OpenID provider at /dev-oauth). */
export type Mount = (req: IncomingMessage, res: ServerResponse) => void;

const mountFor = (mounts: ReadonlyMap<string, Mount>, url: string): Mount | undefined => {
  for (const [prefix, mount] of mounts)
    if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) return mount;
  return undefined;
};

/**
 * A request node:http could not parse never reaches a handler: answer it on the socket as
 * problem+json too (Node's own answer is a bare status line), then close.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex) {
  // A reset or timed-out client is not waiting for an answer.
  if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable)
    return void socket.destroy();
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new HookbridgeError(
          'headers_too_large',
          `The request headers exceed the ${maxHeaderSize / 1024} KB limit`,
        )
      : new HookbridgeError('invalid_request', 'The request is not valid HTTP/1.1');
  const body = JSON.stringify(toProblem(problem).problem);
  // An answer to HEAD has no body (a client would read one as the start of another answer).
  const head = (err as { rawPacket?: Buffer }).rawPacket?.toString('latin1', 0, 5) === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
      'content-type: application/problem+json\r\ncache-control: no-store\r\nconnection: close\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${head ? '' : body}`,
  );
}

/**
 * Serves every route through `handlers` (by function name), each run as its function for local IAM;
 * `files` are local-runtime-only documents served on GET by path, and `mounts` local-runtime-only
 * servers by path prefix (never Lambda routes; the map may be filled once the port is known).
 */
export function createGateway(
  handlers: ReadonlyMap<string, Handler>,
  files: ReadonlyMap<string, { type: string; body: string }> = new Map(),
  timeoutMs = GATEWAY_TIMEOUT_MS,
  mounts: ReadonlyMap<string, Mount> = new Map(),
): Server {
  const match = createRouter(GATEWAY_ROUTES);
  const serve = async (req: IncomingMessage, res: ServerResponse, port: number) => {
    const mount = mountFor(mounts, req.url ?? '/');
    if (mount) return mount(req, res);
    const file = req.method === 'GET' ? files.get(req.url ?? '') : undefined;
    if (file) {
      req.resume();
      res.writeHead(200, { 'content-type': file.type }).end(file.body);
      return;
    }
    const body = await readBody(req, PAYLOAD_LIMIT_BYTES);
    if (body === 'too_large') {
      res.setHeader('connection', 'close');
      writeProblem(res, new HookbridgeError('payload_too_large', 'The request body exceeds the 10 MB limit'));
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const m = match(req.method ?? 'GET', q < 0 ? url : url.slice(0, q));
    const route =
      m.kind === 'match'
        ? { routeKey: routeKey(m.route), pathParameters: m.pathParameters, fn: m.route.fn }
        : { routeKey: '$default', pathParameters: undefined, fn: DEFAULT_ROUTE_FN };
    const raw: RawRequest = {
      method: req.method ?? 'GET',
      url,
      // Distinct values, so repeated headers are joined with ',' as API Gateway does (node joins with ', ').
      headers: req.headersDistinct as RawRequest['headers'],
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      host: req.headers.host ?? `127.0.0.1:${port}`,
      port,
    };
    const result = await withDeadline(
      runAs(route.fn, () => handlers.get(route.fn)!(toEvent(raw, route), {})),
      timeoutMs,
    );
    if (result === 'timeout') {
      writeProblem(
        res,
        new HookbridgeError('upstream_timeout', `The function did not answer within ${timeoutMs / 1000} s`),
      );
      return;
    }
    const out = fromResult(result);
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  };
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    const port = (server.address() as { port: number }).port;
    void serve(req, res, port).catch((err) => {
      if (!res.headersSent) writeProblem(res, new HookbridgeError('internal', String(err)));
      else res.destroy();
    });
  });
  server.on('clientError', onClientError);
  return server;
}
