/**
 * Pull destinations on the local runtime (dynalite): events fan out to them as to HTTP
 * destinations, but each delivery is kept as a message that GET /destinations/{id}/messages
 * answers after a cursor, in delivery order, long-polling up to `wait` seconds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_SETTINGS } from '../../infra/functions.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { contiguous, PULL_GAP_MS } from '../../shared/delivery/pull.js';
import { signStandardWebhook } from '../../shared/delivery/signing.js';
import { PULL_MAX_WAIT_SEC, type PullMessage } from '../../shared/delivery/types.js';
import { eventIdFor } from '../../shared/events/record.js';
import { apiCaller, type JsonBody } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { postStripeWebhook } from '../support/stripe-webhook.js';

const STRIPE_SECRET = 'whsec_test_pull_0123456789abcdef';

let rt: LocalRuntime;
let temp: TempSecrets;
let receiver: Server;
let receiverUrl: string;
/** What the HTTP receiver got: webhook-id and the exact body. */
const posted: { id: string; body: string }[] = [];

const api = apiCaller(() => rt.url, TEST_ADMIN_KEY);

beforeAll(async () => {
  temp = await writeTempSecrets('hb-pull-', { 'hookbridge/webhooks/stripe': { secrets: [STRIPE_SECRET] } });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posted.push({ id: String(req.headers['webhook-id']), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: new URL(receiverUrl).host },
  });
}, 30_000);

afterAll(async () => {
  await rt?.close();
  await new Promise((r) => receiver?.close(r));
  await temp?.remove();
});

afterEach(async () => {
  for (const name of ['inbox', 'paid', 'web', 'other']) await api('DELETE', `/destinations/${name}`);
  await rt.pipeline.idle();
  posted.length = 0;
});

const pullDestination = async (id: string, types: string[] = []) => {
  const r = await api('PUT', `/destinations/${id}`, { type: 'pull', types });
  expect(r.status).toBe(201);
  return r.json!;
};

const messages = (id: string, query = '', key?: string) =>
  api('GET', `/destinations/${id}/messages${query ? `?${query}` : ''}`, undefined, key);

/** A page that must be 200; its items and next. */
async function page(id: string, query = ''): Promise<{ items: JsonBody[]; next: string }> {
  const r = await messages(id, query);
  expect(r.status).toBe(200);
  return r.json as { items: JsonBody[]; next: string };
}

let n = 0;
/** Posts a signed Stripe event; `settle` waits for the pipeline. Returns its Hookbridge id (= webhook-id). */
async function postStripe(type: string, object: Record<string, unknown>, settle = true): Promise<string> {
  const id = `evt_pull_${++n}`;
  const payload = JSON.stringify({ id, object: 'event', type, created: 1_760_000_000 + n, data: { object } });
  const res = await postStripeWebhook(rt.url, payload, STRIPE_SECRET);
  expect(res.status).toBe(200);
  if (settle) await rt.pipeline.idle();
  return eventIdFor('stripe', 'default', id);
}

const succeeded = (pi: string, settle = true) =>
  postStripe(
    'payment_intent.succeeded',
    { id: pi, amount: 100, amount_received: 100, currency: 'usd' },
    settle,
  );
const failed = (pi: string) =>
  postStripe('payment_intent.payment_failed', { id: pi, amount: 100, currency: 'usd' });

describe('creating a pull destination', () => {
  it('has a type, a generated whsec_ secret and no url; http destinations read as type http', async () => {
    const dest = await pullDestination('inbox', ['payment.*']);
    expect(dest).toMatchObject({ id: 'inbox', type: 'pull', types: ['payment.*'], status: 'enabled' });
    expect(dest.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/);
    expect(dest).not.toHaveProperty('url');
    expect((await api('GET', '/destinations/inbox')).json).toEqual(dest);
    // An update keeps the secret; a destination made without a type is http.
    expect((await api('PUT', '/destinations/inbox', { type: 'pull' })).json).toMatchObject({
      type: 'pull',
      secret: dest.secret,
      types: [],
    });
    const web = await api('PUT', '/destinations/web', { url: `${receiverUrl}/web` });
    expect(web).toMatchObject({ status: 201, json: { type: 'http', url: `${receiverUrl}/web` } });
  });

  it('refuses a url on a pull destination, none on an http one, and an unknown type', async () => {
    for (const [body, path] of [
      [{ type: 'pull', url: 'https://example.com/x' }, 'url'],
      [{ type: 'http' }, 'url'],
      [{ types: ['payment.*'] }, 'url'],
      [{ type: 'push' }, 'type'],
    ] as const) {
      const r = await api('PUT', '/destinations/other', body);
      expect(r, JSON.stringify(body)).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
      expect(r.json!.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api('GET', '/destinations/other')).status).toBe(404);
  });
});

describe('reading messages', () => {
  it('answers many events in delivery order, a page at a time; next acknowledges, the same cursor answers the same', async () => {
    await pullDestination('inbox');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await succeeded(`pi_order_${i}`));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const q = `limit=5${cursor ? `&after=${cursor}` : ''}`;
      const got = await page('inbox', q);
      // At least once: the same cursor again answers exactly the same page.
      expect(await page('inbox', q)).toEqual(got);
      if (got.items.length === 0) {
        expect(got.next).toBe(cursor);
        break;
      }
      expect(got.items.length).toBeLessThanOrEqual(5);
      seen.push(...got.items.map((m) => m.webhookId));
      cursor = got.next;
    }
    expect(seen).toEqual(ids);
    const first = (await page('inbox', 'limit=1')).items[0]!;
    expect(first).toEqual({
      webhookId: ids[0],
      type: 'payment.succeeded',
      timestamp: first.data.occurredAt,
      data: expect.objectContaining({ type: 'payment.succeeded', provider: 'stripe' }),
    });
    expect(first.data.object).toMatchObject({ type: 'payment', id: 'pi_order_0' });
  });

  it('keeps every one of a burst of concurrent events once, in one stable order', async () => {
    await pullDestination('inbox');
    const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => succeeded(`pi_burst_${i}`, false)));
    await rt.pipeline.idle();
    const all = await page('inbox', 'limit=100');
    expect(all.items.map((m) => m.webhookId).sort()).toEqual([...ids].sort());
    // Two halves read with the cursor are the same sequence as the whole.
    const a = await page('inbox', 'limit=8');
    const b = await page('inbox', `limit=100&after=${a.next}`);
    expect([...a.items, ...b.items]).toEqual(all.items);
  });

  it('carries the webhook-id and body HTTP delivery POSTs, so a consumer can sign and forward it', async () => {
    const dest = await pullDestination('inbox');
    await api('PUT', '/destinations/web', { url: `${receiverUrl}/web` });
    const id = await succeeded('pi_same');
    const [item] = (await page('inbox')).items;
    expect(posted).toEqual([
      { id, body: JSON.stringify({ type: item!.type, timestamp: item!.timestamp, data: item!.data }) },
    ]);
    expect(item!.webhookId).toBe(id);
    // Signed with the destination's secret, the body verifies as a Standard Webhook.
    const body = posted[0]!.body;
    const ts = Math.floor(Date.now() / 1000);
    const headers = signStandardWebhook(dest.secret, item!.webhookId, ts, body);
    expect(new Webhook(dest.secret).verify(body, headers)).toMatchObject({ type: 'payment.succeeded' });
    // The delivery reads as delivered, with one attempt that stored it (status 0: nothing was POSTed).
    const deliveries = (await api('GET', `/events/${id}/deliveries`)).json!.items as JsonBody[];
    expect(deliveries.find((d) => d.destinationId === 'inbox')).toMatchObject({
      status: 'delivered',
      webhookId: id,
      attempts: [
        { attempt: 0, status: 0, outcome: 'delivered', responseExcerpt: 'stored as pull message 1' },
      ],
    });
  });

  it('delivers only the types it asked for', async () => {
    await pullDestination('paid', ['payment.succeeded']);
    await failed('pi_f1');
    const ok = await succeeded('pi_s1');
    await postStripe('customer.created', { id: 'cus_1' });
    expect((await page('paid')).items.map((m) => [m.webhookId, m.type])).toEqual([[ok, 'payment.succeeded']]);
  });

  it('delivers again on an event replay and a bulk replay, under the same webhook-id', async () => {
    await pullDestination('inbox');
    const id = await succeeded('pi_replay');
    const first = await page('inbox');
    expect(first.items.map((m) => m.webhookId)).toEqual([id]);
    expect(await api('POST', `/events/${id}/replay`, { destinationId: 'inbox' })).toEqual({
      status: 202,
      json: { queued: 1 },
    });
    await rt.pipeline.idle();
    const again = await page('inbox', `after=${first.next}`);
    expect(again.items.map((m) => m.webhookId)).toEqual([id]);
    expect(again.items[0]!.data).toEqual(first.items[0]!.data);
    // A bulk replay of just this event's instant.
    const { receivedAt } = (await api('GET', `/events/${id}`)).json!;
    const range = { from: receivedAt, to: receivedAt };
    expect((await api('POST', '/replays', { ...range, destinationId: 'inbox' })).status).toBe(202);
    await rt.pipeline.idle();
    const third = await page('inbox', `after=${again.next}`);
    expect(third.items.map((m) => m.webhookId)).toEqual([id]);
    // The whole stream: the first delivery and two replays, in order.
    expect((await page('inbox')).items.map((m) => m.webhookId)).toEqual([id, id, id]);
  });

  it('a destination deleted and made again starts a new stream; the old cursor is refused', async () => {
    await pullDestination('inbox');
    await succeeded('pi_old');
    const old = await page('inbox');
    expect(old.items).toHaveLength(1);
    expect((await api('DELETE', '/destinations/inbox')).status).toBe(204);
    await pullDestination('inbox');
    expect(await messages('inbox', `after=${old.next}`)).toMatchObject({
      status: 400,
      json: { code: 'invalid_cursor' },
    });
    const fresh = await page('inbox');
    expect(fresh.items).toEqual([]);
    const id = await succeeded('pi_new');
    expect((await page('inbox', `after=${fresh.next}`)).items.map((m) => m.webhookId)).toEqual([id]);
  });
});

describe('long-poll', () => {
  it('answers as soon as an event arrives during the wait', async () => {
    await pullDestination('inbox');
    const { next } = await page('inbox');
    const started = Date.now();
    const waiting = messages('inbox', `wait=15&after=${next}`);
    await new Promise((r) => setTimeout(r, 500));
    const id = await succeeded('pi_wait');
    const got = await waiting;
    const ms = Date.now() - started;
    expect(got.status).toBe(200);
    expect(got.json!.items.map((m: JsonBody) => m.webhookId)).toEqual([id]);
    expect(got.json!.next).not.toBe(next);
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(ms).toBeLessThan(5_000);
  });

  it('ends the wait with no items and next unchanged; wait=0 answers at once', async () => {
    await pullDestination('inbox');
    const { next } = await page('inbox');
    let started = Date.now();
    expect(await page('inbox', `wait=2&after=${next}`)).toEqual({ items: [], next });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(4_000);
    started = Date.now();
    expect(await page('inbox', `wait=0&after=${next}`)).toEqual({ items: [], next });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fits in the function timeout, and waits for a number taken but not yet stored', () => {
    expect(FUNCTION_SETTINGS['delivery-api']!.timeoutSec).toBeGreaterThanOrEqual(PULL_MAX_WAIT_SEC + 5);
    expect(FUNCTION_SETTINGS['delivery-api']!.timeoutSec).toBeLessThan(30);
    const now = Date.parse('2026-03-01T12:00:00Z');
    const msg = (seq: number, ageMs: number): PullMessage => ({
      destinationId: 'd',
      generation: 'g',
      seq,
      eventId: `e${seq}`,
      part: 0,
      round: 0,
      webhookId: `e${seq}`,
      type: 't',
      storedAt: new Date(now - ageMs).toISOString(),
    });
    const seqs = (rows: PullMessage[]) => rows.map((r) => r.seq);
    // 3 is missing: a slower sender may still store it, so 4 and 5 wait (nothing is passed over).
    expect(seqs(contiguous(0, [msg(1, 50), msg(2, 40), msg(4, 20), msg(5, 10)], now))).toEqual([1, 2]);
    expect(seqs(contiguous(2, [msg(4, 20)], now))).toEqual([]);
    // Once the message after the gap is older than PULL_GAP_MS, its sender is gone: skip the gap.
    expect(seqs(contiguous(2, [msg(4, PULL_GAP_MS), msg(5, 10)], now))).toEqual([4, 5]);
  });
});

describe('refusals', () => {
  it('answers bad limit, wait, cursor and parameters with a 400 problem naming them', async () => {
    await pullDestination('inbox');
    const { next } = await page('inbox');
    for (const [query, code, path] of [
      ['limit=0', 'invalid_query', 'limit'],
      ['limit=101', 'invalid_query', 'limit'],
      ['limit=0x10', 'invalid_query', 'limit'],
      ['limit=%205', 'invalid_query', 'limit'],
      [`wait=${PULL_MAX_WAIT_SEC + 1}`, 'invalid_query', 'wait'],
      ['wait=-1', 'invalid_query', 'wait'],
      ['wait=1.5', 'invalid_query', 'wait'],
      ['cursor=abc', 'invalid_query', undefined],
      ['after=nope', 'invalid_cursor', undefined],
      [`after=${Buffer.from('ffff:1').toString('base64url')}`, 'invalid_cursor', undefined],
      [`after=${next}x`, 'invalid_cursor', undefined],
      [`after=${'a'.repeat(2_049)}`, 'invalid_query', 'after'],
    ] as const) {
      const res = await fetch(`${rt.url}/destinations/inbox/messages?${query}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as JsonBody;
      expect(body, query).toMatchObject({ status: 400, code });
      if (path)
        expect(
          body.errors.map((e: { path: string }) => e.path),
          query,
        ).toContain(path);
    }
  });

  it('404 for no destination, 409 for an http one, 403 without the destinations:write scope', async () => {
    expect(await messages('nope')).toMatchObject({ status: 404, json: { code: 'not_found' } });
    await api('PUT', '/destinations/web', { url: `${receiverUrl}/web` });
    const http = await messages('web');
    expect(http).toMatchObject({ status: 409, json: { code: 'conflict' } });
    expect(http.json!.detail).toContain('not a pull destination');
    await pullDestination('inbox');
    const key = await api('POST', '/api-keys', { name: 'events-only', scopes: ['events:read'] });
    expect(key.status).toBe(201);
    expect(await messages('inbox', '', key.json!.key)).toMatchObject({
      status: 403,
      json: { code: 'insufficient_scope', requiredScope: 'destinations:write' },
    });
  });
});

describe('the API document', () => {
  it('documents the route, its bounds, and each refusal', async () => {
    const doc = (await (await fetch(`${rt.url}/openapi.json`)).json()) as JsonBody;
    const op = doc.paths['/destinations/{id}/messages'].get;
    const params = Object.fromEntries(op.parameters.map((p: JsonBody) => [p.name, p.schema]));
    expect(params.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
    expect(params.wait).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: PULL_MAX_WAIT_SEC,
      default: 0,
    });
    expect(params.after).toMatchObject({ type: 'string', maxLength: 2048 });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404', '409']));
    const put = doc.components.schemas.PutDestinationBody.properties;
    expect(put.type.enum).toEqual(['http', 'pull']);
    expect(doc.components.schemas.PutDestinationBody.required ?? []).not.toContain('url');
    expect(doc.components.schemas.Destination.required).toContain('type');
  });
});
