/**
 * Reconciliation through the local runtime (dynalite, local IAM, the real pipeline) against local
 * stand-ins for Stripe's and Paddle's events APIs: events first received as real signed webhooks
 * are skipped without a write, the one never sent is stored exactly once with via
 * "reconciliation" and delivered like a webhook, a repeated run stores nothing, and the
 * checkpoint advances. Every DynamoDB call the reconciler functions make is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentFunction, localIam } from '../../infra/local/iam.js';
import { signWebhook, webhookPath } from '../../infra/local/webhook-signers.js';
import { eventIdFor } from '../../shared/events/record.js';
import type { CallGuard } from '../../shared/ports/index.js';
import { apiCaller } from '../support/api.js';
import { type EventsStandIn, startEventsStandIn } from '../support/events-standin.js';
import { TEST_ADMIN_KEY } from '../support/local-runtime.js';
import { expectProblem } from '../support/problem.js';
import { useLocalRuntime } from '../support/runtime-hooks.js';
import { WEBHOOK_SECRETS } from '../support/webhook-secrets.js';

const STRIPE_KEY = 'rk_test_events_read';
const PADDLE_KEY = 'pdl_apikey_events_read';
let stripe: EventsStandIn;
let paddle: EventsStandIn;

/** `fn action` of every DynamoDB call made while a reconciler function runs. */
const calls: string[] = [];
const iam = localIam();
const guard: CallGuard = {
  dynamodb(action) {
    const fn = currentFunction();
    if (fn === 'reconcilers-api' || fn === 'reconciler') calls.push(`${fn} ${action}`);
    iam.dynamodb(action);
  },
  secret: (name) => iam.secret(name),
};
const countOf = (call: string) => calls.filter((c) => c === call).length;

const runtime = useLocalRuntime(
  'hb-reconcile-',
  {
    'hookbridge/webhooks/stripe': WEBHOOK_SECRETS.stripe,
    'hookbridge/webhooks/paddle': WEBHOOK_SECRETS.paddle,
    'hookbridge/apikeys/stripe-events': { apiKey: STRIPE_KEY },
    'hookbridge/apikeys/stripe-wrong-key': { apiKey: 'rk_test_revoked' },
    'hookbridge/apikeys/paddle-events': { apiKey: PADDLE_KEY },
  },
  {
    // The stand-ins listen on loopback ports chosen later: every loopback port is allowed (local mode only).
    env: {
      HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true',
      HOOKBRIDGE_PROXY_BACKOFF_BASE_MS: '20',
      HOOKBRIDGE_LOG_LEVEL: 'warn',
    },
    overrides: { guard },
  },
);
const api = apiCaller(() => runtime().url, TEST_ADMIN_KEY);
/** The raw answer, for problem checks. */
const call = (method: string, path: string, body?: unknown) =>
  fetch(`${runtime().url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const nowSec = () => Math.floor(Date.now() / 1000);

const stripeEvent = (id: string, created: number) => ({
  id,
  object: 'event',
  api_version: '2024-06-20',
  created,
  livemode: false,
  type: 'payment_intent.succeeded',
  data: {
    object: { id: `pi_${id}`, object: 'payment_intent', amount: 1200, currency: 'usd', status: 'succeeded' },
  },
});

const paddleEvent = (id: string, occurredAt: Date) => ({
  event_id: id,
  event_type: 'transaction.completed',
  occurred_at: occurredAt.toISOString(),
  data: { id: `txn_${id}`, status: 'completed', currency_code: 'USD', customer_id: 'ctm_1' },
});

/** Posts `event` as the provider would: its JSON pretty-printed, signed with the source's secret. */
async function sendWebhook(provider: 'stripe' | 'paddle', event: unknown) {
  const url = `${runtime().url}${webhookPath(provider)}`;
  const signed = signWebhook(provider, {
    url,
    secret: WEBHOOK_SECRETS[provider]!,
    body: JSON.stringify(event, null, 2),
  });
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
  return (await res.json()) as { status: string; id: string };
}

beforeAll(async () => {
  stripe = await startEventsStandIn('stripe', { key: STRIPE_KEY, pageSize: 2 });
  paddle = await startEventsStandIn('paddle', { key: PADDLE_KEY, pageSize: 2 });
});
afterAll(async () => {
  await stripe?.close();
  await paddle?.close();
});

describe('Stripe', { shuffle: false }, () => {
  const t = nowSec();
  // Newest first, as Stripe lists them: one too new to list yet, five in the window, one too old.
  const tooNew = stripeEvent('evt_too_new', t - 5);
  const inWindow = [240, 200, 160, 120, 90].map((ago, i) => stripeEvent(`evt_in_${i + 1}`, t - ago));
  const tooOld = stripeEvent('evt_too_old', t - 3 * 3600);
  const neverSent = inWindow[2]!;
  const sent = inWindow.filter((e) => e !== neverSent);
  const recordId = (e: { id: string }) => eventIdFor('stripe', 'default', e.id);

  beforeAll(async () => {
    stripe.events.push(tooNew, ...inWindow.slice().reverse(), tooOld);
    expect(
      (
        await api('PUT', '/integrations/stripe-events', {
          type: 'api-key',
          baseUrl: stripe.url,
          allowedHosts: [stripe.host],
        })
      ).status,
    ).toBe(201);
    expect((await api('PUT', '/destinations/all-events', { type: 'pull' })).status).toBe(201);
    for (const e of sent) expect((await sendWebhook('stripe', e)).status).toBe('stored');
    await runtime().pipeline.idle();
  });

  it('PUT /reconcilers/stripe creates it (201), due at once, without a checkpoint; again is 200', async () => {
    const body = { integrationId: 'stripe-events', intervalMinutes: 60, lookbackHours: 2 };
    const created = await api('PUT', '/reconcilers/stripe', body);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'stripe', provider: 'stripe', source: 'default', ...body });
    expect(created.json!.checkpoint).toBeUndefined();
    expect(created.json!.lastRun).toBeUndefined();
    expect(Date.parse(created.json!.nextRunAt)).toBeLessThanOrEqual(Date.now());
    const again = await api('PUT', '/reconcilers/stripe', body);
    expect(again.status).toBe(200);
    expect(again.json!.createdAt).toBe(created.json!.createdAt);
  });

  it('a run stores only the never-sent event, skipping the others without a write, through pages and a 429', async () => {
    calls.length = 0;
    stripe.hits.length = 0;
    stripe.limitOnce = 2;
    const res = await api('POST', '/reconcilers/stripe/run');
    expect(res.status).toBe(200);
    const run = res.json!.lastRun;
    expect(run).toMatchObject({
      trigger: 'manual',
      status: 'completed',
      pages: 3,
      listed: 5,
      stored: 1,
      skipped: 4,
      errors: 0,
      after: 'evt_in_1',
    });
    expect(res.json!.checkpoint).toBe(run.windowTo);
    expect(res.json!.progress).toBeUndefined();
    expect(Date.parse(run.windowFrom)).toBeCloseTo(Date.parse(run.startedAt) - 2 * 3_600_000, -4);
    // Three pages, the second asked twice: 429, then again after the Retry-After second.
    expect(stripe.hits.map((h) => h.status)).toEqual([200, 429, 200, 200]);
    expect(stripe.hits[2]!.at - stripe.hits[1]!.at).toBeGreaterThanOrEqual(950);
    expect(stripe.hits.every((h) => h.authorization === `Bearer ${STRIPE_KEY}`)).toBe(true);
    expect(stripe.hits.map((h) => h.query.get('starting_after'))).toEqual([
      null,
      'evt_in_4',
      'evt_in_4',
      'evt_in_2',
    ]);
    expect(stripe.hits[0]!.query.get('created[gte]')).toBe(
      String(Math.floor(Date.parse(run.windowFrom) / 1000)),
    );
    // One event put (the never-sent one), one batch read per page, nothing deleted.
    expect(countOf('reconcilers-api PutItem')).toBe(1);
    expect(countOf('reconcilers-api BatchGetItem')).toBe(3);
    expect(countOf('reconcilers-api DeleteItem')).toBe(0);
  });

  it('stores the never-sent event with via reconciliation and leaves the webhooks as they were', async () => {
    const reconciled = await api('GET', `/events/${recordId(neverSent)}`);
    expect(reconciled.status).toBe(200);
    expect(reconciled.json).toMatchObject({
      provider: 'stripe',
      source: 'default',
      eventId: 'evt_in_3',
      type: 'payment_intent.succeeded',
      via: 'reconciliation',
      reconciliation: { reconcilerId: 'stripe' },
      body: JSON.stringify(neverSent),
    });
    expect(reconciled.json!.verification).toBeUndefined();
    for (const e of sent) {
      const webhook = await api('GET', `/events/${recordId(e)}`);
      expect(webhook.json).toMatchObject({ via: 'webhook', body: JSON.stringify(e, null, 2) });
      expect(webhook.json!.verification).toMatchObject({
        secretName: 'hookbridge/webhooks/stripe',
        matchedSecret: 0,
      });
    }
    const listed = await api('GET', '/events?provider=stripe&limit=50');
    expect(listed.json!.items.map((e: { eventId: string }) => e.eventId).sort()).toEqual(
      inWindow.map((e) => e.id).sort(),
    );
    for (const absent of [tooNew, tooOld])
      expect((await api('GET', `/events/${recordId(absent)}`)).status).toBe(404);
  });

  it('the reconciled event goes through the pipeline like a webhook: a delivery to the destination', async () => {
    await runtime().pipeline.idle();
    const deliveries = await api('GET', `/events/${recordId(neverSent)}/deliveries`);
    expect(deliveries.json!.items).toHaveLength(1);
    expect(deliveries.json!.items[0]).toMatchObject({ destinationId: 'all-events', status: 'delivered' });
  });

  it('a repeated run stores nothing (no event put) and moves the checkpoint on', async () => {
    const before = (await api('GET', '/reconcilers/stripe')).json!;
    calls.length = 0;
    stripe.limitOnce = undefined;
    const res = await api('POST', '/reconcilers/stripe/run');
    expect(res.json!.lastRun).toMatchObject({
      status: 'completed',
      listed: 5,
      stored: 0,
      skipped: 5,
      errors: 0,
    });
    expect(Date.parse(res.json!.checkpoint)).toBeGreaterThan(Date.parse(before.checkpoint));
    // The window reaches back to the old checkpoint minus the 10-minute overlap.
    expect(Date.parse(res.json!.lastRun.windowFrom)).toBe(Date.parse(before.checkpoint) - 600_000);
    expect(countOf('reconcilers-api PutItem')).toBe(0);
    const listed = await api('GET', '/events?provider=stripe&limit=50');
    expect(listed.json!.items).toHaveLength(5);
  });

  it('the webhook arriving after reconciliation is a duplicate: the record stays as stored, not flagged', async () => {
    expect(await sendWebhook('stripe', neverSent)).toEqual({ status: 'duplicate', id: recordId(neverSent) });
    const after = await api('GET', `/events/${recordId(neverSent)}`);
    expect(after.json).toMatchObject({ via: 'reconciliation', body: JSON.stringify(neverSent) });
    expect(after.json!.flagged).toBeUndefined();
  });

  it('a refused key fails the run with the status named, stores nothing and keeps no checkpoint', async () => {
    await api('PUT', '/integrations/stripe-wrong-key', {
      type: 'api-key',
      baseUrl: stripe.url,
      allowedHosts: [stripe.host],
    });
    const put = await api('PUT', '/reconcilers/stripe/eu', {
      integrationId: 'stripe-wrong-key',
      intervalMinutes: 5,
      lookbackHours: 1,
    });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({ id: 'stripe:eu', source: 'eu' });
    calls.length = 0;
    const res = await api('POST', '/reconcilers/stripe:eu/run');
    expect(res.status).toBe(200);
    expect(res.json!.lastRun).toMatchObject({
      status: 'failed',
      pages: 0,
      stored: 0,
      errors: 1,
      error: { code: 'upstream_error', detail: expect.stringContaining('answered 401') },
    });
    expect(JSON.stringify(res.json)).not.toContain('rk_test_revoked');
    expect(res.json!.checkpoint).toBeUndefined();
    expect(res.json!.progress).toMatchObject({ status: 'failed' });
    expect(countOf('reconcilers-api PutItem')).toBe(0);
  });

  it('lists reconcilers by id', async () => {
    const list = await api('GET', '/reconcilers');
    expect(list.status).toBe(200);
    // The Paddle block's reconciler is listed too when it ran first: the Stripe ones, in id order.
    const ids: string[] = list.json!.items.map((r: { id: string }) => r.id);
    expect(ids.filter((id) => id.startsWith('stripe'))).toEqual(['stripe', 'stripe:eu']);
    expect(ids).toEqual([...ids].sort());
  });
});

describe('Paddle, on the schedule', () => {
  const now = Date.now();
  const events = [30, 25, 20, 15].map((ago, i) =>
    paddleEvent(`evt_01pdl${i + 1}`, new Date(now - ago * 60_000)),
  );
  const older = paddleEvent('evt_01pdl0', new Date(now - 3 * 3_600_000));
  const recordId = (e: { event_id: string }) => eventIdFor('paddle', 'default', e.event_id);

  beforeAll(async () => {
    paddle.events.push(...events.slice().reverse(), older);
    await api('PUT', '/integrations/paddle-events', {
      type: 'api-key',
      baseUrl: paddle.url,
      allowedHosts: [paddle.host],
    });
    expect((await sendWebhook('paddle', events[0])).status).toBe('stored');
  });

  it('the scheduled function runs the due reconciler: walks newest first and stops at the first event older than the window', async () => {
    const put = await api('PUT', '/reconcilers/paddle', {
      integrationId: 'paddle-events',
      intervalMinutes: 30,
      lookbackHours: 1,
    });
    expect(put.status).toBe(201);
    calls.length = 0;
    await runtime().schedule.run('reconciler');
    const r = (await api('GET', '/reconcilers/paddle')).json!;
    expect(r.lastRun).toMatchObject({
      trigger: 'schedule',
      status: 'completed',
      pages: 3,
      listed: 4,
      stored: 3,
      skipped: 1,
    });
    expect(Date.parse(r.nextRunAt)).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(paddle.hits.map((h) => [h.query.get('order_by'), h.query.get('after')])).toEqual([
      ['id[DESC]', null],
      ['id[DESC]', 'evt_01pdl3'],
      ['id[DESC]', 'evt_01pdl1'],
    ]);
    expect(countOf('reconciler PutItem')).toBe(3);
    for (const e of events.slice(1))
      expect((await api('GET', `/events/${recordId(e)}`)).json).toMatchObject({ via: 'reconciliation' });
    expect((await api('GET', `/events/${recordId(events[0]!)}`)).json).toMatchObject({ via: 'webhook' });
    expect((await api('GET', `/events/${recordId(older)}`)).status).toBe(404);
  });

  it('a second pass leaves it alone: not due until its interval has passed', async () => {
    paddle.hits.length = 0;
    await runtime().schedule.run('reconciler');
    expect(paddle.hits).toHaveLength(0);
  });
});

describe('bad input is a 4xx problem naming it', () => {
  const ok = { integrationId: 'stripe-events', intervalMinutes: 60, lookbackHours: 2 };

  it.each([
    ['PUT', '/reconcilers/nope', 404, 'unknown_provider', ok, /No webhook provider "nope"/],
    ['PUT', '/reconcilers/github', 400, 'invalid_request', ok, /github has no events API .*stripe, paddle/],
    [
      'PUT',
      '/reconcilers/stripe',
      404,
      'not_found',
      { ...ok, integrationId: 'missing' },
      /No integration missing/,
    ],
    ['PUT', '/reconcilers/stripe', 400, 'invalid_request', { ...ok, intervalMinutes: 2 }, /intervalMinutes/],
    [
      'PUT',
      '/reconcilers/stripe',
      400,
      'invalid_request',
      { ...ok, intervalMinutes: 7.5 },
      /intervalMinutes/,
    ],
    ['PUT', '/reconcilers/stripe', 400, 'invalid_request', { ...ok, lookbackHours: 721 }, /lookbackHours/],
    ['PUT', '/reconcilers/stripe', 400, 'invalid_request', { ...ok, lookbackHours: '2' }, /lookbackHours/],
    ['PUT', '/reconcilers/stripe', 400, 'invalid_request', { ...ok, extra: 1 }, /extra/],
    ['PUT', '/reconcilers/stripe:eu', 400, 'invalid_request', ok, /must be a provider/],
    ['PUT', '/reconcilers/stripe/bad%20source', 400, 'invalid_request', ok, /sourceId/],
    ['GET', '/reconcilers/none', 404, 'not_found', undefined, /No reconciler none/],
    ['POST', '/reconcilers/none/run', 404, 'not_found', undefined, /No reconciler none/],
    ['GET', '/reconcilers?limit=0', 400, 'invalid_query', undefined, /limit/],
  ])('%s %s -> %i %s', async (method, path, status, code, body, detail) => {
    const problem = await expectProblem(await call(method, path, body), status, code);
    expect(problem.detail).toMatch(detail);
  });

  it('an OAuth integration is refused: a reconciler needs an api-key integration', async () => {
    await api('PUT', '/integrations/oauth-app', {
      type: 'oauth',
      provider: 'oauth2',
      authorizationUrl: 'https://auth.example.com/authorize',
      tokenUrl: 'https://auth.example.com/token',
      allowedReturnUrls: ['https://app.example.com/done'],
    });
    const problem = await expectProblem(
      await call('PUT', '/reconcilers/stripe', { ...ok, integrationId: 'oauth-app' }),
      400,
      'invalid_request',
    );
    expect(problem.detail).toMatch(/oauth-app is of type oauth/);
  });

  it('no body, or not JSON, is a 400 / 415', async () => {
    await expectProblem(await call('PUT', '/reconcilers/stripe'), 415, 'unsupported_media_type');
    const malformed = await fetch(`${runtime().url}/reconcilers/stripe`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: '{',
    });
    await expectProblem(malformed, 400, 'invalid_json');
  });
});
