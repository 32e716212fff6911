import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as sendHandler } from '../../functions/deliveries-send/index.js';
import { handler as processHandler } from '../../functions/events-process/index.js';
import { ManualClock } from '../../infra/local/pipeline.js';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { EVENT } from '../../shared/adapters/dynamodb/keys.js';
import type { DeliveryQueue, EventBusPublisher, QueueMessage } from '../../shared/delivery/types.js';
import type { EventRecord } from '../../shared/events/record.js';
import { eventIdFor } from '../../shared/events/record.js';
import { apiCaller, type JsonBody } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { postStripeWebhook } from '../support/stripe-webhook.js';

const API_KEY = TEST_ADMIN_KEY;
const STRIPE_SECRET = 'whsec_test_delivery_0123456789abcdef';

let rt: LocalRuntime;
let temp: TempSecrets;
let clock: ManualClock;
let receiver: Server;
let receiverUrl: string;

/** How the receiver answers, per path; `drop` destroys the socket (receiver down). */
type Mode = 'ok' | '500' | '410' | '429' | 'drop' | '302';
/** A TCP canary on 127.0.0.1 that is NOT on the test allow list: every connection to it is counted. */
let canary: TcpServer;
let canaryPort: number;
let canaryConnections = 0;
const modes = new Map<string, Mode[]>();
interface Got {
  path: string;
  id: string;
  verified: boolean;
  body: { type: string; data: Record<string, unknown> };
}
const received: Got[] = [];
/** What the app did: one effect per webhook-id, however many times it arrives. */
const effects = new Map<string, number>();
const secrets = new Map<string, string>();

/** A Standard Webhooks verifier from the `standardwebhooks` library, with its clock on test time. */
function verifier(secret: string): Webhook {
  const wh = new Webhook(secret);
  (wh as unknown as { verifyTimestamp(h: string): Date }).verifyTimestamp = (header) => {
    const ts = Number(header);
    if (Math.abs(clock.now() / 1000 - ts) > 300) throw new Error('timestamp outside tolerance');
    return new Date(ts * 1000);
  };
  return wh;
}

function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const queue = modes.get(path) ?? [];
      const mode = queue.length > 1 ? queue.shift()! : (queue[0] ?? 'ok');
      if (mode === 'drop') {
        req.socket.destroy();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      let body = {} as Got['body'];
      try {
        body = verifier(secrets.get(path) ?? 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').verify(
          raw,
          req.headers as Record<string, string>,
        ) as Got['body'];
        verified = true;
      } catch {
        verified = false;
      }
      const id = String((req.headers as IncomingHttpHeaders)['webhook-id'] ?? '');
      received.push({ path, id, verified, body });
      if (!verified) return void res.writeHead(401).end('bad signature');
      if (mode === '500') return void res.writeHead(500).end('boom: database down');
      if (mode === '410') return void res.writeHead(410).end('gone');
      if (mode === '429') return void res.writeHead(429, { 'retry-after': '120' }).end('slow down');
      if (mode === '302')
        return void res.writeHead(302, { location: `http://127.0.0.1:${canaryPort}/steal` }).end('moved');
      effects.set(id, (effects.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  return new Promise((r) =>
    receiver.listen(0, '127.0.0.1', () => {
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
      r();
    }),
  );
}

const api = apiCaller(() => rt.url, API_KEY);

async function destination(name: string, types: string[] = []) {
  const r = await api('PUT', `/destinations/${name}`, { url: `${receiverUrl}/${name}`, types });
  expect(r.status).toBe(201);
  secrets.set(`/${name}`, r.json!.secret);
  return r.json!;
}

let seq = 0;
/** Posts a Stripe event signed with the Stripe SDK's test header helper; returns its Hookbridge id. */
async function postStripe(
  type: string,
  object: Record<string, unknown>,
  createdSec: number,
  id = `evt_${++seq}_${type.replace(/\W/g, '')}`,
): Promise<string> {
  const payload = JSON.stringify({
    id,
    object: 'event',
    type,
    created: createdSec,
    api_version: '2024-06-20',
    data: { object },
  });
  const res = await postStripeWebhook(rt.url, payload, STRIPE_SECRET, Math.floor(clock.now() / 1000));
  expect(res.status).toBe(200);
  await rt.pipeline.idle();
  return eventIdFor('stripe', 'default', id);
}

/** A payment_intent.succeeded for the 100-cent PaymentIntent `piId`, created at `createdSec`. */
const postSucceeded = (piId: string, createdSec: number) =>
  postStripe(
    'payment_intent.succeeded',
    { id: piId, amount: 100, amount_received: 100, currency: 'usd' },
    createdSec,
  );

/** A payment_intent.payment_failed for the 100-cent PaymentIntent `piId`, created at `createdSec`. */
const postFailed = (piId: string, createdSec: number) =>
  postStripe('payment_intent.payment_failed', { id: piId, amount: 100, currency: 'usd' }, createdSec);

interface AttemptView {
  attempt: number;
  status: number;
  outcome: string;
  latencyMs: number;
  responseExcerpt?: string;
  error?: string;
  nextAttemptAt: string;
}
interface DeliveryView {
  status: string;
  round: number;
  deadReason?: string;
  attempts: AttemptView[];
}
const deliveriesOf = async (eventId: string) =>
  (await api('GET', `/events/${eventId}/deliveries`)).json!.items as DeliveryView[];

beforeAll(async () => {
  temp = await writeTempSecrets('hb-delivery-', {
    'hookbridge/webhooks/stripe': { secrets: [STRIPE_SECRET] },
  });
  await startReceiver();
  canary = createTcpServer((socket) => {
    canaryConnections++;
    socket.destroy();
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
  canaryPort = (canary.address() as AddressInfo).port;
  // Only the receiver is exempt from the SSRF address check (test-only, honoured in local mode).
  rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: API_KEY,
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: new URL(receiverUrl).host },
  });
  clock = new ManualClock(Date.now());
  rt.pipeline.useClock(clock);
}, 30_000);

afterAll(async () => {
  await rt?.close();
  await new Promise((r) => receiver?.close(r));
  await new Promise((r) => canary?.close(r));
  await temp?.remove();
});

// Each test counts only what its own deliveries brought to the receiver.
beforeEach(() => {
  received.length = 0;
});

afterEach(async () => {
  for (const name of ['orders', 'flaky', 'down', 'gone', 'slow', 'apps', 'inside', 'moved'])
    await api('DELETE', `/destinations/${name}`);
  await rt.pipeline.idle();
});

const T0 = 1_760_000_000;

describe('ordering and read model', () => {
  it('out-of-order Stripe subscription events end in the newest state, each delivered once', async () => {
    await destination('orders', ['subscription.*']);
    const sub = (status: string) => ({
      id: 'sub_ord',
      object: 'subscription',
      customer: 'cus_ord',
      status,
      items: { data: [{ price: { id: 'price_1', unit_amount: 999, currency: 'usd' } }] },
    });
    // Stripe's retries arrive out of order: updated before created, and a stale update after the cancel.
    const updated = await postStripe('customer.subscription.updated', sub('active'), T0 + 20);
    const created = await postStripe('customer.subscription.created', sub('incomplete'), T0 + 10);
    const deleted = await postStripe('customer.subscription.deleted', sub('canceled'), T0 + 30);
    const staleUpdate = await postStripe('customer.subscription.updated', sub('past_due'), T0 + 25);

    const state = await api('GET', '/subscriptions/sub_ord');
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({
      provider: 'stripe',
      objectType: 'subscription',
      status: 'canceled',
      lastType: 'subscription.canceled',
      lastEventId: deleted,
      customerId: 'cus_ord',
    });
    const byCustomer = await api('GET', '/customers/cus_ord/subscriptions');
    expect(byCustomer.json!.items).toHaveLength(1);
    expect(byCustomer.json!.items[0].status).toBe('canceled');

    // Every event is still delivered (the app sees the history), verified, with webhook-id = event id.
    const got = received.filter((r) => r.path === '/orders');
    expect(got.map((g) => g.id)).toEqual([updated, created, deleted, staleUpdate]);
    expect(got.every((g) => g.verified)).toBe(true);
    expect(got.map((g) => g.body.type)).toEqual([
      'subscription.updated',
      'subscription.created',
      'subscription.canceled',
      'subscription.updated',
    ]);
    expect(
      rt.pipeline.bus.published.filter((b) => b.source === 'hookbridge.stripe' && b.id === deleted),
    ).toHaveLength(1);
  });

  it('a refunded charge reads as partially_refunded, then refunded, not as succeeded', async () => {
    await postSucceeded('pi_refund', T0 + 200);
    // Stripe keeps the refunded charge's status `succeeded`; `refunded` and `amount_refunded` (the
    // cumulative refundedAmount) tell.
    const cases = [
      { refunded: false, amount_refunded: 40, status: 'partially_refunded' },
      { refunded: true, amount_refunded: 100, status: 'refunded' },
    ];
    for (const [i, { status, ...refund }] of cases.entries()) {
      const charge = { id: 'ch_refund', object: 'charge', amount: 100, currency: 'usd', status: 'succeeded' };
      await postStripe(
        'charge.refunded',
        { ...charge, payment_intent: 'pi_refund', ...refund },
        T0 + 201 + i,
      );
      const state = (await api('GET', '/payments/pi_refund')).json!;
      expect(state).toMatchObject({
        status,
        lastType: 'payment.refunded',
        event: { refundedAmount: { amount: refund.amount_refunded, currency: 'USD' } },
      });
      // The charge names no single refund (no `refunds` list), so there is no refund amount.
      expect(state.amount).toBeUndefined();
    }
  });

  it('reprocessing a stream record applies nothing twice and creates no second delivery', async () => {
    await destination('orders', ['payment.*']);
    const pi = {
      id: 'pi_again',
      object: 'payment_intent',
      amount: 1200,
      amount_received: 1200,
      currency: 'eur',
      customer: 'cus_pi',
      status: 'succeeded',
    };
    const id = await postStripe('payment_intent.succeeded', pi, T0 + 100);
    const before = (await api('GET', '/payments/pi_again')).json!;
    expect(before).toMatchObject({ status: 'succeeded', amount: { amount: 1200, currency: 'EUR' } });

    const ddb = new DynamoDBClient({
      endpoint: rt.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    const item = await ddb.send(
      new GetItemCommand({ TableName: rt.table, Key: { pk: { S: EVENT.pk(id) }, sk: { S: 'event' } } }),
    );
    ddb.destroy();
    const record = {
      eventName: 'INSERT',
      dynamodb: { NewImage: item.Item, SequenceNumber: '1' },
    } as unknown as DynamoDBStreamEvent['Records'][number];
    expect(await processHandler.withContainer(rt.container)({ Records: [record, record] })).toEqual({
      batchItemFailures: [],
    });
    await rt.pipeline.idle();

    expect((await api('GET', '/payments/pi_again')).json).toEqual(before);
    expect(received.filter((r) => r.id === id)).toHaveLength(1);
    const ds = await deliveriesOf(id);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ status: 'delivered', round: 0 });
    expect(ds[0]!.attempts).toHaveLength(1);
  });
});

describe('retries, dead letters, 410', () => {
  it('500 then recovery: delivered on the third attempt, one effect at the app', async () => {
    await destination('flaky', ['payment.succeeded']);
    modes.set('/flaky', ['500', '500', 'ok']);
    const id = await postStripe(
      'payment_intent.succeeded',
      { id: 'pi_flaky', amount: 500, amount_received: 500, currency: 'usd' },
      T0 + 200,
    );
    let ds = await deliveriesOf(id);
    expect(ds[0]).toMatchObject({ status: 'pending' });
    expect(ds[0]!.attempts[0]).toMatchObject({
      attempt: 0,
      status: 500,
      outcome: 'retry',
      responseExcerpt: 'boom: database down',
    });
    const next = Date.parse(ds[0]!.attempts[0]!.nextAttemptAt) - clock.now();
    expect(next).toBeGreaterThanOrEqual(4_000);
    expect(next).toBeLessThanOrEqual(6_000);

    await rt.pipeline.advance(6_000);
    ds = await deliveriesOf(id);
    expect(ds[0]!.attempts.map((a) => a.status)).toEqual([500, 500]);
    await rt.pipeline.advance(6 * 60_000);
    ds = await deliveriesOf(id);
    expect(ds[0]!.status).toBe('delivered');
    expect(ds[0]!.attempts.map((a) => [a.status, a.outcome])).toEqual([
      [500, 'retry'],
      [500, 'retry'],
      [204, 'delivered'],
    ]);
    expect(ds[0]!.attempts.every((a) => typeof a.latencyMs === 'number')).toBe(true);
    const hits = received.filter((r) => r.path === '/flaky');
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.id))).toEqual(new Set([id]));
    expect(effects.get(id)).toBe(1);
  });

  it('receiver down: dead letter after the whole schedule; redrive delivers with the same webhook-id', async () => {
    await destination('down', ['payment.failed']);
    modes.set('/down', ['drop']);
    const id = await postStripe(
      'payment_intent.payment_failed',
      { id: 'pi_down', amount: 700, currency: 'usd', last_payment_error: { code: 'card_declined' } },
      T0 + 300,
    );
    // GET /health/pipeline: first pending (its retry waiting in the queue), then a dead letter.
    const health = async () => {
      const h = await api('GET', '/health/pipeline');
      expect(h.status).toBe(200);
      const down = h.json!.destinations.find((d: { id: string }) => d.id === 'down');
      return { ...(h.json as JsonBody), down } as JsonBody;
    };
    await rt.pipeline.advance(1_000);
    let h = await health();
    expect(h.down).toMatchObject({
      status: 'enabled',
      pending: 1,
      deadLetters: 0,
      oldestPendingAgeSec: expect.any(Number),
    });
    expect(h.down.capped).toBeUndefined();
    expect(h.totals.pending).toBeGreaterThanOrEqual(1);
    expect(h.queues.find((q: { name: string }) => q.name === 'delivery')).toMatchObject({
      role: 'delivery',
      delayed: 1,
    });
    expect(h.queues.map((q: { name: string }) => q.name)).toEqual(['delivery', 'delivery-dlq', 'stream-dlq']);
    await rt.pipeline.advance(40 * 3600_000);
    h = await health();
    expect(h.down).toEqual({ id: 'down', status: 'enabled', pending: 0, deadLetters: 1 });
    expect(h.totals.deadLetters).toBeGreaterThanOrEqual(1);
    expect((await api('GET', '/health/pipeline', undefined, 'hbk_000000000000_nope')).status).toBe(401);
    let ds = await deliveriesOf(id);
    expect(ds[0]).toMatchObject({ status: 'dead', deadReason: 'retries_exhausted' });
    expect(ds[0]!.attempts).toHaveLength(8);
    expect(ds[0]!.attempts.every((a) => a.status === 0 && a.error === 'connection failed')).toBe(true);
    expect(effects.get(id)).toBeUndefined();

    modes.set('/down', ['ok']);
    const redrive = await api('POST', '/destinations/down/redrive');
    expect(redrive).toEqual({ status: 202, json: { queued: 1 } });
    await rt.pipeline.idle();
    ds = await deliveriesOf(id);
    expect(ds[0]).toMatchObject({ status: 'delivered', round: 1 });
    expect(effects.get(id)).toBe(1);
    // A second redrive finds nothing dead.
    expect((await api('POST', '/destinations/down/redrive')).json).toEqual({ queued: 0 });
    expect((await health()).down).toEqual({ id: 'down', status: 'enabled', pending: 0, deadLetters: 0 });
  });

  it('410 disables the destination; later events are not sent to it', async () => {
    await destination('gone', ['invoice.*']);
    modes.set('/gone', ['410']);
    const id = await postStripe(
      'invoice.paid',
      { id: 'in_gone', amount_paid: 999, currency: 'usd', customer: 'cus_g' },
      T0 + 400,
    );
    const ds = await deliveriesOf(id);
    expect(ds[0]).toMatchObject({ status: 'dead', deadReason: 'destination_gone' });
    expect(ds[0]!.attempts).toHaveLength(1);
    const dest = await api('GET', '/destinations/gone');
    expect(dest.json).toMatchObject({ status: 'disabled', disabledReason: 'receiver answered 410 Gone' });
    // An update without `enabled` keeps it disabled (and why); only enabled: true re-enables.
    const url = `${receiverUrl}/gone`;
    expect(await api('PUT', '/destinations/gone', { url, types: ['invoice.*'] })).toMatchObject({
      status: 200,
      json: { status: 'disabled', disabledReason: 'receiver answered 410 Gone' },
    });
    expect((await api('GET', '/destinations/gone')).json).toMatchObject({ status: 'disabled' });
    const later = await postStripe(
      'invoice.paid',
      { id: 'in_gone2', amount_paid: 1, currency: 'usd' },
      T0 + 401,
    );
    expect(await deliveriesOf(later)).toEqual([]);
    expect(received.filter((r) => r.path === '/gone')).toHaveLength(1);
    expect((await api('POST', '/destinations/gone/redrive')).status).toBe(409);
    const enabled = await api('PUT', '/destinations/gone', { url, types: ['invoice.*'], enabled: true });
    expect(enabled.json).toMatchObject({ status: 'enabled' });
    expect(enabled.json!.disabledReason).toBeUndefined();
    await api('PUT', '/destinations/gone', { url, enabled: false });
    expect((await api('PUT', '/destinations/gone', { url })).json).toMatchObject({
      status: 'disabled',
      disabledReason: 'disabled by API',
    });
  });

  it('429 with Retry-After waits as the receiver asks (capped), not the 5 s step', async () => {
    await destination('slow', ['checkout.completed']);
    modes.set('/slow', ['429', 'ok']);
    const id = await postStripe(
      'checkout.session.completed',
      { id: 'cs_slow', amount_total: 100, currency: 'usd' },
      T0 + 500,
    );
    const ds = await deliveriesOf(id);
    expect(Date.parse(ds[0]!.attempts[0]!.nextAttemptAt) - clock.now()).toBe(120_000);
    await rt.pipeline.advance(60_000);
    expect((await deliveriesOf(id))[0]!.status).toBe('pending');
    await rt.pipeline.advance(61_000);
    expect((await deliveriesOf(id))[0]!.status).toBe('delivered');
  });
});

describe('replay', () => {
  it('replays one event with the same webhook-id, and bulk replays a time range with progress', async () => {
    // An instant of its own: the other tests' Stripe refunds were received at the clock's earlier readings.
    clock.t += 3_600_000;
    await destination('orders', ['payment.refunded']);
    const id = await postStripe(
      'charge.refunded',
      { id: 'ch_r', amount_refunded: 300, currency: 'usd', payment_intent: 'pi_r' },
      T0 + 600,
    );
    expect(effects.get(id)).toBe(1);
    const r = await api('POST', `/events/${id}/replay`);
    expect(r).toEqual({ status: 202, json: { queued: 1 } });
    await rt.pipeline.idle();
    const hits = received.filter((g) => g.path === '/orders' && g.id === id);
    expect(hits).toHaveLength(2);
    expect(hits[1]!.verified).toBe(true);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'delivered', round: 1 });
    expect(
      rt.pipeline.bus.published.filter((b) => b.id === id && (b.detail as { replay?: boolean }).replay),
    ).toHaveLength(1);

    // The range is this event's own instant.
    const { receivedAt } = (await api('GET', `/events/${id}`)).json as { receivedAt: string };
    const [from, to] = [receivedAt, receivedAt];
    const job = await api('POST', '/replays', {
      id: 'rpl_bulk1',
      from,
      to,
      provider: 'stripe',
      type: 'charge.refunded',
    });
    expect(job.status).toBe(202);
    await rt.pipeline.idle();
    const progress = await api('GET', '/replays/rpl_bulk1');
    expect(progress.json).toMatchObject({ status: 'done', eventsScanned: 1, deliveriesQueued: 1 });
    expect(received.filter((g) => g.id === id)).toHaveLength(3);
    // Resubmitting the same job id does not replay again.
    expect((await api('POST', '/replays', { id: 'rpl_bulk1', from, to })).status).toBe(200);
    await rt.pipeline.idle();
    expect(received.filter((g) => g.id === id)).toHaveLength(3);
  });
});

describe('bulk replay by normalised type', () => {
  it('replays only the parts of the given normalised type (exact or prefix); eventsScanned counts all', async () => {
    await rt.pipeline.advance(3600_000);
    const seen = received.length;
    const from = new Date(clock.now()).toISOString();
    await destination('orders', ['payment.*']);
    const refunded = await postStripe(
      'charge.refunded',
      { id: 'ch_nt', amount_refunded: 300, currency: 'usd', payment_intent: 'pi_nt' },
      T0 + 1000,
    );
    const succeeded = await postStripe(
      'payment_intent.succeeded',
      { id: 'pi_nt2', amount: 900, amount_received: 900, currency: 'usd' },
      T0 + 1001,
    );
    const to = new Date(clock.now() + 60_000).toISOString();
    const hits = (id: string) => received.filter((g) => g.path === '/orders' && g.id === id).length;
    expect([hits(refunded), hits(succeeded)]).toEqual([1, 1]);

    const exact = await api('POST', '/replays', {
      id: 'rpl_nt_exact',
      from,
      to,
      normalisedType: 'payment.succeeded',
    });
    expect(exact).toMatchObject({ status: 202, json: { normalisedType: 'payment.succeeded' } });
    await rt.pipeline.idle();
    expect((await api('GET', '/replays/rpl_nt_exact')).json).toMatchObject({
      status: 'done',
      eventsScanned: 2,
      deliveriesQueued: 1,
    });
    expect([hits(refunded), hits(succeeded)]).toEqual([1, 2]);
    const replayedOnBus = (id: string) =>
      rt.pipeline.bus.published.filter((b) => b.id === id && (b.detail as { replay?: boolean }).replay)
        .length;
    expect([replayedOnBus(refunded), replayedOnBus(succeeded)]).toEqual([0, 1]);

    // A prefix matches both; combined with the raw type, only the Stripe charge.refunded event.
    await api('POST', '/replays', { id: 'rpl_nt_prefix', from, to, normalisedType: 'payment.*' });
    await rt.pipeline.idle();
    expect((await api('GET', '/replays/rpl_nt_prefix')).json).toMatchObject({ deliveriesQueued: 2 });
    expect([hits(refunded), hits(succeeded)]).toEqual([2, 3]);
    await api('POST', '/replays', {
      id: 'rpl_nt_both',
      from,
      to,
      type: 'charge.refunded',
      normalisedType: 'payment.*',
    });
    await rt.pipeline.idle();
    expect((await api('GET', '/replays/rpl_nt_both')).json).toMatchObject({
      eventsScanned: 1,
      deliveriesQueued: 1,
    });
    expect([hits(refunded), hits(succeeded)]).toEqual([3, 3]);
    // Every replay kept the webhook-id.
    expect(new Set(received.slice(seen).map((g) => g.id))).toEqual(new Set([refunded, succeeded]));
    expect(await api('POST', '/replays', { from, to, normalisedType: 'payment succeeded!' })).toMatchObject({
      status: 400,
      json: { code: 'invalid_request' },
    });
  });
});

describe('app events and unmapped types', () => {
  it("delivers Hookbridge's own events and unmapped provider types as {provider}.raw", async () => {
    await destination('apps', ['connection.*', 'stripe.raw']);
    await rt.container.connections.appEvents.publish({
      id: 'ae_1',
      type: 'connection.created',
      occurredAt: new Date(clock.now()).toISOString(),
      data: { connectionId: 'conn_1' },
    });
    await rt.pipeline.idle();
    const rawId = await postStripe('customer.created', { id: 'cus_new' }, T0 + 700);
    const got = received.filter((g) => g.path === '/apps');
    expect(got.map((g) => g.body.type)).toEqual(['connection.created', 'stripe.raw']);
    expect(got[0]!.body.data).toMatchObject({ provider: 'hookbridge', data: { connectionId: 'conn_1' } });
    expect(got[1]!).toMatchObject({
      id: rawId,
      body: { data: { providerType: 'customer.created', payload: { data: { object: { id: 'cus_new' } } } } },
    });
  });
});

describe('API validation', () => {
  it('rejects bad destinations, unknown ids and missing scopes with problem+json', async () => {
    expect(await api('PUT', '/destinations/x', { url: 'ftp://nope' })).toMatchObject({
      status: 400,
      json: { code: 'invalid_request' },
    });
    expect(
      await api('PUT', '/destinations/x', { url: 'http://127.0.0.1/x', secret: 'whsec_c2hvcnQ=' }),
    ).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
    expect(await api('PUT', '/destinations/x', { url: 'http://127.0.0.1/x', extra: 1 })).toMatchObject({
      status: 400,
    });
    expect((await api('GET', '/destinations/x')).status).toBe(404);
    expect(await api('GET', '/destinations/nope')).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    expect(await api('GET', '/payments/pi_missing')).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    expect(await api('GET', '/events/evt_missing/deliveries')).toMatchObject({ status: 404 });
    expect(await api('POST', '/events/evt_missing/replay')).toMatchObject({ status: 404 });
    expect(
      await api('POST', '/replays', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }),
    ).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
    expect(await api('GET', '/replays/rpl_nope')).toMatchObject({ status: 404 });
    // A type filter that matches no known type (GET /event-types) is a 400 naming the closest; nothing stored.
    const typo = await api('PUT', '/destinations/typo', { url: `${receiverUrl}/typo`, types: ['paymnt.*'] });
    expect(typo).toEqual({
      status: 400,
      json: expect.objectContaining({
        code: 'invalid_request',
        detail:
          'types[0]: "paymnt.*" matches no event type (GET /event-types lists them); did you mean "payment.*"?',
        closest: 'payment.*',
      }),
    });
    expect((await api('GET', '/destinations/typo')).status).toBe(404);
    const replayTypo = await api('POST', '/replays', {
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
      normalisedType: 'subscription.cancelled',
    });
    expect(replayTypo).toMatchObject({
      status: 400,
      json: { code: 'invalid_request', closest: 'subscription.canceled', field: 'normalisedType' },
    });
    expect((await api('GET', '/replays?limit=100')).json!.items).not.toContainEqual(
      expect.objectContaining({ normalisedType: 'subscription.cancelled' }),
    );
    const key = await api('POST', '/api-keys', { name: 'reader', scopes: ['payments:read'] });
    expect(key.status).toBe(201);
    expect(await api('PUT', '/destinations/y', { url: 'http://127.0.0.1/y' }, key.json!.key)).toMatchObject({
      status: 403,
      json: { code: 'insufficient_scope' },
    });
    expect((await api('GET', '/payments/pi_missing', undefined, key.json!.key)).status).toBe(404);
    // A secret can be supplied, and is kept on update.
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(await api('PUT', '/destinations/z', { url: `${receiverUrl}/z`, secret })).toMatchObject({
      status: 201,
      json: { secret },
    });
    expect(await api('PUT', '/destinations/z', { url: `${receiverUrl}/z2` })).toMatchObject({
      status: 200,
      json: { secret, url: `${receiverUrl}/z2` },
    });
    expect((await api('DELETE', '/destinations/z')).status).toBe(204);
    expect((await api('DELETE', '/destinations/z')).status).toBe(404);
  });
});

describe('SSRF guard on destinations', () => {
  it('refuses internal literal hosts, credentials and plain http at PUT with 400, storing nothing', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'https://169.254.169.254/latest/meta-data',
        'metadata',
        /169\.254\.169\.254 is a non-public address \(metadata\)/,
      ],
      ['https://10.0.0.1/hook', 'private', /10\.0\.0\.1 is a non-public address \(private\)/],
      ['https://[::1]/hook', 'loopback', /::1 is a non-public address \(loopback\)/],
      ['https://[::ffff:127.0.0.1]/hook', 'loopback', /non-public address \(loopback\)/],
      ['https://0x7f.1/hook', 'loopback', /127\.0\.0\.1 is a non-public address/],
      ['https://100.64.1.1/hook', 'cgnat', /non-public address \(cgnat\)/],
      ['https://[fe80::1]/hook', 'link-local', /non-public address \(link-local\)/],
      ['https://localhost:8443/hook', 'internal-name', /localhost is an internal name/],
      ['https://metadata.google.internal/x', 'internal-name', /internal name/],
      ['https://user:pw@hooks.example.com/x', 'userinfo', /must not contain credentials/],
      // Plain http only for allow-listed test hosts, even locally; the receiver's own port is.
      ['http://hooks.example.com/x', 'scheme', /must be https/],
      [`http://127.0.0.1:${canaryPort}/x`, 'scheme', /must be https/],
    ];
    for (const [url, reason, detail] of cases) {
      const r = await api('PUT', '/destinations/inside', { url });
      expect({ url, status: r.status, code: r.json!.code, reason: r.json!.reason }).toEqual({
        url,
        status: 400,
        code: 'invalid_request',
        reason,
      });
      expect(r.json!.detail).toMatch(detail);
    }
    expect((await api('GET', '/destinations/inside')).status).toBe(404);
  });

  it('a name resolving to a private or loopback address is never connected to; the attempt is dead with the reason', async () => {
    rt.configure({
      resolver: async (host) => {
        const answers: Record<string, string[]> = {
          'rebind.hooks.example': ['127.0.0.1'],
          'intranet.hooks.example': ['10.0.0.1'],
          // One private record among public ones is enough to refuse.
          'mixed.hooks.example': ['93.184.216.34', '192.168.1.10'],
        };
        const found = answers[host];
        if (!found) throw new Error(`ENOTFOUND ${host}`);
        return found.map((address) => ({ address, family: 4 as const }));
      },
    });
    try {
      const urls = {
        rebind: `https://rebind.hooks.example:${canaryPort}/hook`,
        intranet: `https://intranet.hooks.example:${canaryPort}/hook`,
        mixed: `https://mixed.hooks.example:${canaryPort}/hook`,
      };
      for (const [name, url] of Object.entries(urls)) {
        // A host name passes the up-front check: only the send-time resolution can tell.
        expect(
          (await api('PUT', `/destinations/${name}`, { url, types: ['payment.succeeded'] })).status,
        ).toBe(201);
      }
      const id = await postSucceeded('pi_ssrf', T0 + 800);
      await rt.pipeline.advance(3600_000);
      const ds = await deliveriesOf(id);
      const byDest = Object.fromEntries(
        ds.map((d) => [(d as unknown as { destinationId: string }).destinationId, d]),
      );
      const expected = { rebind: 'loopback', intranet: 'private', mixed: 'private' };
      for (const [name, why] of Object.entries(expected)) {
        const d = byDest[name]!;
        expect(d).toMatchObject({ status: 'dead', deadReason: 'destination_blocked' });
        expect(d.attempts).toHaveLength(1);
        expect(d.attempts[0]).toMatchObject({ status: 0, outcome: 'dead' });
        expect(d.attempts[0]!.error).toBe(
          `blocked: Host ${name}.hooks.example resolves to a non-public address (${why})`,
        );
      }
      expect(canaryConnections).toBe(0);
    } finally {
      rt.configure({ resolver: undefined });
      for (const name of ['rebind', 'intranet', 'mixed']) await api('DELETE', `/destinations/${name}`);
    }
  });

  it('a redirect from the receiver is not followed', async () => {
    await destination('moved', ['payment.succeeded']);
    modes.set('/moved', ['302']);
    const id = await postSucceeded('pi_moved', T0 + 900);
    const ds = await deliveriesOf(id);
    expect(ds[0]!.attempts[0]).toMatchObject({ status: 302, outcome: 'retry', responseExcerpt: 'moved' });
    expect(canaryConnections).toBe(0);
  });
});

describe('local stream emulation', () => {
  it('an event re-sent after its retention (expired, not yet removed) is stored as an INSERT and processed again', async () => {
    await destination('orders', ['invoice.paid']);
    const obj = { id: 'in_ttl', amount_paid: 4200, currency: 'usd', customer: 'cus_ttl' };
    const id = await postStripe('invoice.paid', obj, T0 + 1100, 'evt_ttl_resent');
    const hits = () => received.filter((g) => g.path === '/orders' && g.id === id).length;
    expect(hits()).toBe(1);
    // Within retention the same event is a duplicate: nothing is processed again.
    expect(await postStripe('invoice.paid', obj, T0 + 1100, 'evt_ttl_resent')).toBe(id);
    expect(hits()).toBe(1);

    // Past retention (30 days) the item is expired; dynalite, like a lagging DynamoDB, still has it.
    await rt.pipeline.advance(31 * 86_400_000);
    const r = rt.container.table;
    const raw = await r.ddb.send(
      new GetCommand({ TableName: r.name, Key: { pk: EVENT.pk(id), sk: 'event' }, ConsistentRead: true }),
    );
    expect(raw.Item!.ttl).toBeLessThan(Math.floor(clock.now() / 1000));
    const events = rt.container.events;
    expect(await events.get(id)).toBeUndefined();

    expect(await postStripe('invoice.paid', obj, T0 + 1100, 'evt_ttl_resent')).toBe(id);
    // Processed again (the stream filter passes INSERT only): delivered with the same webhook-id.
    expect(hits()).toBe(2);
    const stored = await events.get(id);
    expect(stored).toBeDefined();
    const ds = await deliveriesOf(id);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ status: 'delivered', round: 0 });
    expect(
      rt.pipeline.bus.published.filter((b) => b.id === id && !(b.detail as { replay?: boolean }).replay),
    ).toHaveLength(2);
  });

  it('retries a poison record, sends it to the on-failure list, and keeps processing the rest', async () => {
    const store = rt.container.events;
    const body = Buffer.from(
      JSON.stringify({
        id: 'evt_poison',
        type: 'payment_intent.succeeded',
        created: T0,
        data: { object: { id: 'pi_poison', amount: 1, amount_received: 1, currency: 'usd' } },
      }),
    );
    const base = (eventId: string, sha: string): EventRecord => ({
      id: eventIdFor('stripe', 'default', eventId),
      provider: 'stripe',
      source: 'default',
      eventId,
      type: 'payment_intent.succeeded',
      receivedAt: new Date(clock.now()).toISOString(),
      bodySha256: sha,
      bodySize: body.length,
      contentType: 'application/json',
      headers: {},
      matchedSecret: 0,
    });
    const { createHash } = await import('node:crypto');
    const good = createHash('sha256').update(body).digest('hex');
    const before = rt.pipeline.streamDeadLetters.length;
    // A stored body that no longer matches its hash makes processing throw on every try.
    expect(await store.put(base('evt_poison', 'f'.repeat(64)), body)).toBe('stored');
    expect(await store.put(base('evt_fine', good), body)).toBe('stored');
    await rt.pipeline.idle();
    expect(rt.pipeline.streamDeadLetters.length).toBe(before + 1);
    expect(rt.pipeline.streamDeadLetters.at(-1)!.dynamodb!.NewImage!.eventId).toEqual({ S: 'evt_poison' });
    // The good record after it was processed (both bodies name pi_poison; only the good one can apply).
    expect((await api('GET', '/payments/pi_poison')).json).toMatchObject({
      lastEventId: eventIdFor('stripe', 'default', 'evt_fine'),
    });
    // A MODIFY of an event item (duplicate with a different body) is filtered out: nothing reprocessed.
    const dead = rt.pipeline.streamDeadLetters.length;
    expect(await store.put(base('evt_poison', good), body)).toBe('duplicate_mismatch');
    await rt.pipeline.idle();
    expect(rt.pipeline.streamDeadLetters.length).toBe(dead);
  });
});

/** Wraps the cached delivery deps' queue or bus so its first matching call fails (a crash there). */
function failOnce(which: 'queue' | 'bus', when: (arg: unknown) => boolean): { failed: () => boolean } {
  const deps = rt.container.delivery;
  let failed = false;
  const trip = (arg: unknown) => {
    if (failed || !when(arg)) return false;
    failed = true;
    return true;
  };
  if (which === 'queue') {
    const real: DeliveryQueue = deps.queue;
    deps.queue = {
      send: async (m, delay) => {
        if (trip(m)) {
          deps.queue = real;
          throw new Error('queue unavailable');
        }
        return real.send(m, delay);
      },
    };
  } else {
    const real: EventBusPublisher = deps.bus!;
    deps.bus = {
      publish: async (entries) => {
        if (trip(entries)) {
          deps.bus = real;
          throw new Error('bus unavailable');
        }
        return real.publish(entries);
      },
    };
  }
  return { failed: () => failed };
}

/** Makes one store method throw once (the function dies there), then restores the class method. */
function storeFailsOnce(method: 'settle' | 'releasePublication'): { failed: () => boolean } {
  const deps = rt.container.delivery;
  const store = (method === 'settle' ? deps.deliveries : deps.busMarkers) as unknown as Record<
    string,
    unknown
  >;
  let failed = false;
  store[method] = async () => {
    failed = true;
    Reflect.deleteProperty(store, method);
    throw new Error('function timed out');
  };
  return { failed: () => failed };
}

describe('a crash after a claim', () => {
  it('the redelivered message re-takes the stale claim: same webhook-id, ends delivered', async () => {
    await destination('orders', ['payment.succeeded']);
    // The receiver answers 204, then the function dies before recording the outcome.
    const crash = storeFailsOnce('settle');
    const dlq = rt.pipeline.queueDeadLetters.length;
    const id = await postSucceeded('pi_crash', T0 + 1200);
    expect(crash.failed()).toBe(true);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'pending', round: 0 });
    // A duplicate arriving while the claim is fresh is handed back to the queue, not dropped or sent.
    const msg: QueueMessage = {
      kind: 'delivery',
      eventId: id,
      destinationId: 'orders',
      part: 0,
      round: 0,
      attempt: 0,
      notBefore: clock.now(),
    };
    const dup = await sendHandler.withContainer(rt.container)({
      Records: [{ messageId: 'dup-1', body: JSON.stringify(msg) }],
    } as unknown as Parameters<typeof sendHandler>[0]);
    expect(dup).toEqual({ batchItemFailures: [{ itemIdentifier: 'dup-1' }] });
    expect(received.filter((r) => r.id === id)).toHaveLength(1);

    // The queue redelivers after its visibility timeout (60 s), past the 30 s claim lease.
    await rt.pipeline.advance(61_000);
    const hits = received.filter((r) => r.path === '/orders' && r.id === id);
    expect(hits).toHaveLength(2);
    expect(hits.every((h) => h.verified)).toBe(true);
    const ds = await deliveriesOf(id);
    expect(ds[0]).toMatchObject({ status: 'delivered', round: 0 });
    expect(ds[0]!.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([[0, 204, 'delivered']]);
    expect(rt.pipeline.queueDeadLetters.length).toBe(dlq);
  });

  it('a failed enqueue of the next attempt re-sends the attempt instead of stranding the delivery', async () => {
    await destination('flaky', ['payment.succeeded']);
    modes.set('/flaky', ['500', 'ok']);
    const crash = failOnce('queue', (m) => {
      const q = m as QueueMessage;
      return q.kind === 'delivery' && q.attempt === 1;
    });
    const id = await postSucceeded('pi_crash_q', T0 + 1201);
    expect(crash.failed()).toBe(true);
    await rt.pipeline.advance(61_000);
    const hits = received.filter((r) => r.path === '/flaky' && r.id === id);
    expect(hits).toHaveLength(2);
    const ds = await deliveriesOf(id);
    expect(ds[0]).toMatchObject({ status: 'delivered', round: 0 });
    expect(effects.get(id)).toBe(1);
  });

  it('a bulk-replay page redelivered after its round started re-queues the round', async () => {
    await rt.pipeline.advance(3600_000);
    await destination('orders', ['payment.refunded']);
    const from = new Date(clock.now()).toISOString();
    const id = await postStripe(
      'charge.refunded',
      { id: 'ch_crash', amount_refunded: 300, currency: 'usd', payment_intent: 'pi_crash_r' },
      T0 + 1202,
    );
    const to = new Date(clock.now() + 60_000).toISOString();
    expect(received.filter((r) => r.id === id)).toHaveLength(1);
    // The page starts the round, then dies queueing the attempt.
    const crash = failOnce('queue', (m) => (m as QueueMessage).kind === 'delivery');
    expect((await api('POST', '/replays', { id: 'rpl_crash', from, to })).status).toBe(202);
    await rt.pipeline.idle();
    expect(crash.failed()).toBe(true);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'pending', round: 1 });
    await rt.pipeline.advance(61_000);
    expect(received.filter((r) => r.id === id)).toHaveLength(2);
    expect((await deliveriesOf(id))[0]).toMatchObject({ status: 'delivered', round: 1 });
    expect((await api('GET', '/replays/rpl_crash')).json).toMatchObject({
      status: 'done',
      eventsScanned: 1,
      deliveriesQueued: 1,
    });
  });

  it('an unconfirmed bus claim is re-taken by the retried stream record; published once', async () => {
    // PutEvents fails and the function dies before releasing the marker.
    const crash = failOnce('bus', () => true);
    const release = storeFailsOnce('releasePublication');
    const dead = rt.pipeline.streamDeadLetters.length;
    const id = await postSucceeded('pi_crash_bus', T0 + 1203);
    expect(crash.failed()).toBe(true);
    expect(release.failed()).toBe(true);
    expect(rt.pipeline.streamDeadLetters.length).toBe(dead);
    expect(
      rt.pipeline.bus.published.filter((b) => b.id === id && !(b.detail as { replay?: boolean }).replay),
    ).toHaveLength(1);
  });
});

describe('deleting a destination', () => {
  it('kills its queued retries and dead letters for good; a new destination with the id never gets them', async () => {
    await destination('flaky', ['payment.succeeded']);
    modes.set('/flaky', ['500']);
    const pendingId = await postSucceeded('pi_del', T0 + 1300);
    await destination('down', ['payment.failed']);
    modes.set('/down', ['drop']);
    const deadId = await postFailed('pi_del2', T0 + 1301);
    await rt.pipeline.advance(40 * 3600_000);
    expect((await deliveriesOf(deadId))[0]).toMatchObject({
      status: 'dead',
      deadReason: 'retries_exhausted',
    });
    modes.set('/flaky', ['500']);
    const stillPending = await postSucceeded('pi_del3', T0 + 1302);
    expect((await deliveriesOf(stillPending))[0]).toMatchObject({ status: 'pending' });

    expect((await api('DELETE', '/destinations/flaky')).status).toBe(204);
    expect((await api('DELETE', '/destinations/down')).status).toBe(204);
    expect((await deliveriesOf(stillPending))[0]).toMatchObject({
      status: 'dead',
      deadReason: 'destination_deleted',
    });
    // Same ids, new destinations (new secrets) that answer 204.
    modes.set('/flaky', ['ok']);
    modes.set('/down', ['ok']);
    const before = received.length;
    const flaky = await destination('flaky', ['payment.succeeded']);
    await destination('down', ['payment.failed']);
    expect(flaky.generation).toMatch(/^[0-9a-f]{16}$/);
    // The queued retry comes due and is dropped; redrive finds nothing of the old destination.
    await rt.pipeline.advance(3600_000);
    expect(await api('POST', '/destinations/down/redrive')).toEqual({ status: 202, json: { queued: 0 } });
    expect(await api('POST', '/destinations/flaky/redrive')).toEqual({ status: 202, json: { queued: 0 } });
    await rt.pipeline.idle();
    expect(received.slice(before)).toEqual([]);
    expect((await deliveriesOf(stillPending))[0]).toMatchObject({ status: 'dead', round: 0 });
    expect((await deliveriesOf(deadId))[0]).toMatchObject({ status: 'dead', round: 0 });
    expect(pendingId).not.toBe(stillPending);
  });

  it('if the DELETE sweep missed them, the generation check still stops retries and redrive', async () => {
    await destination('flaky', ['payment.succeeded']);
    await destination('down', ['payment.failed']);
    modes.set('/flaky', ['500']);
    modes.set('/down', ['drop']);
    const deadId = await postFailed('pi_gen', T0 + 1400);
    await rt.pipeline.advance(40 * 3600_000);
    const retrying = await postSucceeded('pi_gen2', T0 + 1401);
    expect((await deliveriesOf(retrying))[0]).toMatchObject({ status: 'pending' });
    // The function dies right after deleting: nothing is swept.
    const store = rt.container.delivery.deliveries as unknown as Record<string, unknown>;
    store.listIndexedForDestination = async () => ({ items: [] });
    try {
      expect((await api('DELETE', '/destinations/flaky')).status).toBe(204);
      expect((await api('DELETE', '/destinations/down')).status).toBe(204);
    } finally {
      Reflect.deleteProperty(store, 'listIndexedForDestination');
    }
    expect((await deliveriesOf(retrying))[0]).toMatchObject({ status: 'pending' });
    modes.set('/flaky', ['ok']);
    modes.set('/down', ['ok']);
    const before = received.length;
    await destination('flaky', ['payment.succeeded']);
    await destination('down', ['payment.failed']);
    await rt.pipeline.advance(3600_000);
    expect((await deliveriesOf(retrying))[0]).toMatchObject({
      status: 'dead',
      deadReason: 'destination_deleted',
    });
    expect(await api('POST', '/destinations/down/redrive')).toEqual({ status: 202, json: { queued: 0 } });
    await rt.pipeline.idle();
    expect(received.slice(before)).toEqual([]);
    expect((await deliveriesOf(deadId))[0]).toMatchObject({ status: 'dead', round: 0 });
  });
});
