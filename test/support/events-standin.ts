/**
 * Local stand-ins for providers' events APIs on 127.0.0.1, paging as the providers document:
 * Stripe `GET /v1/events` (newest first, `created[gte]`/`created[lte]`, `starting_after`,
 * `has_more`) and Paddle `GET /events` (`order_by=id[DESC]`, `after`, `meta.pagination.has_more`).
 * Pages are `pageSize` events whatever the caller asks for, so a few events make several pages;
 * `limitOnce` answers the first request for that page 429 with `Retry-After: 1`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInHit {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  status: number;
  at: number;
}

export interface EventsStandIn {
  url: string;
  host: string;
  hits: StandInHit[];
  /** The events served, newest first (tests add to it). */
  events: Record<string, unknown>[];
  /** A page number (1-based) whose first request is answered 429 with Retry-After: 1. */
  limitOnce?: number | undefined;
  close(): Promise<void>;
}

type Mode = 'stripe' | 'paddle';

const idOf = (mode: Mode, e: Record<string, unknown>) => String(mode === 'stripe' ? e.id : e.event_id);
const timeOf = (mode: Mode, e: Record<string, unknown>) =>
  mode === 'stripe' ? Number(e.created) : Date.parse(String(e.occurred_at)) / 1000;

/** The events after `after` (in newest-first order) within the Stripe created bounds. */
function listed(mode: Mode, all: Record<string, unknown>[], q: URLSearchParams) {
  const gte = Number(q.get('created[gte]') ?? Number.NEGATIVE_INFINITY);
  const lte = Number(q.get('created[lte]') ?? Number.POSITIVE_INFINITY);
  const inRange = all.filter((e) => timeOf(mode, e) >= gte && timeOf(mode, e) <= lte);
  const after = q.get(mode === 'stripe' ? 'starting_after' : 'after');
  const at = after ? inRange.findIndex((e) => idOf(mode, e) === after) : -1;
  return inRange.slice(at + 1);
}

export async function startEventsStandIn(
  mode: Mode,
  opts: { key: string; pageSize: number },
): Promise<EventsStandIn> {
  const standIn: EventsStandIn = {
    url: '',
    host: '',
    hits: [],
    events: [],
    close: async () => {},
  };
  const limited = new Set<number>();
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const hit = (status: number) =>
      standIn.hits.push({
        path: url.pathname,
        query: url.searchParams,
        authorization: req.headers.authorization,
        status,
        at: Date.now(),
      });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      hit(status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (url.pathname !== (mode === 'stripe' ? '/v1/events' : '/events'))
      return send(404, { error: 'no such path' });
    if (req.headers.authorization !== `Bearer ${opts.key}`) return send(401, { error: { type: 'auth' } });
    const rest = listed(mode, standIn.events, url.searchParams);
    const pageNo = standIn.hits.filter((h) => h.status === 200).length + 1;
    if (standIn.limitOnce === pageNo && !limited.has(pageNo)) {
      limited.add(pageNo);
      return send(429, { error: 'slow down' }, { 'retry-after': '1' });
    }
    const data = rest.slice(0, opts.pageSize);
    const hasMore = rest.length > data.length;
    send(
      200,
      mode === 'stripe'
        ? { object: 'list', url: '/v1/events', has_more: hasMore, data }
        : { data, meta: { request_id: 'req', pagination: { per_page: opts.pageSize, has_more: hasMore } } },
    );
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  standIn.host = `127.0.0.1:${port}`;
  standIn.url = `http://${standIn.host}`;
  standIn.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return standIn;
}
