/**
 * Issue 13: the event bus turned off (HOOKBRIDGE_EVENT_BUS=off, what `-c eventBus=false` sets).
 * Events are still delivered exactly once and replayed, but nothing is published and no bus marker
 * is claimed, confirmed or stored. A second runtime with the bus on (the default) is the contrast:
 * the same counters and the same table scan see its publication and its marker.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/server.js';
import { BUS_MARKER, EVENT } from '../../shared/adapters/dynamodb/keys.js';
import type { BusMarkerRepo } from '../../shared/ports/index.js';
import { apiCaller } from '../support/api.js';
import { TEST_ADMIN_KEY, type TempSecrets, writeTempSecrets } from '../support/local-runtime.js';
import { postStripeWebhook } from '../support/stripe-webhook.js';

const SECRET = 'whsec_bus_off_0123456789abcdef';

let temp: TempSecrets;
let receiver: Server;
let receiverHost: string;
/** Deliveries that arrived, as `path webhook-id`. */
const arrivals: string[] = [];
const hits = (path: string, id: string) => arrivals.filter((a) => a === `${path} ${id}`).length;

interface Runtime {
  rt: LocalRuntime;
  /** Calls to the bus-marker store (claim, release, confirm), by method. */
  markerCalls: string[];
}
let off: Runtime;
let on: Runtime;

/** A local runtime with a destination at `/<name>` on the receiver; bus-marker calls counted. */
async function start(name: string, env: Record<string, string>): Promise<Runtime> {
  const rt = await startLocal({
    port: 0,
    secretsFile: temp.secretsFile,
    apiKey: TEST_ADMIN_KEY,
    env: { HOOKBRIDGE_TEST_ALLOW_HOSTS: receiverHost, HOOKBRIDGE_LOG_LEVEL: 'warn', ...env },
  });
  const markerCalls: string[] = [];
  const markers = rt.container.delivery.busMarkers as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const method of [
    'claimPublication',
    'releasePublication',
    'confirmPublication',
    'confirmPublications',
  ] satisfies (keyof BusMarkerRepo)[]) {
    const real = markers[method]!.bind(markers);
    markers[method] = (...args) => {
      markerCalls.push(method);
      return real(...args);
    };
  }
  const dest = await apiCaller(() => rt.url, TEST_ADMIN_KEY)('PUT', `/destinations/${name}`, {
    url: `http://${receiverHost}/${name}`,
    types: ['payment.*'],
  });
  expect(dest.status).toBe(201);
  return { rt, markerCalls };
}

beforeAll(async () => {
  temp = await writeTempSecrets('hb-bus-off-', { 'hookbridge/webhooks/stripe': { secrets: [SECRET] } });
  receiver = createServer((req, res) => {
    req.resume().on('end', () => {
      arrivals.push(`${req.url} ${req.headers['webhook-id']}`);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverHost = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  off = await start('off', { HOOKBRIDGE_EVENT_BUS: 'off' });
  on = await start('on', {});
}, 60_000);

afterAll(async () => {
  await off?.rt.close();
  await on?.rt.close();
  await new Promise((r) => receiver?.close(r));
  await temp?.remove();
});

/** Posts a signed Stripe payment_intent.succeeded and waits for the pipeline; returns the Hookbridge id. */
async function postSucceeded(rt: LocalRuntime, stripeId: string): Promise<string> {
  const payload = JSON.stringify({
    id: stripeId,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `pi_${stripeId}`, amount: 500, amount_received: 500, currency: 'usd' } },
  });
  const res = await postStripeWebhook(rt.url, payload, SECRET);
  expect(res.status).toBe(200);
  const { id } = (await res.json()) as { id: string };
  await rt.pipeline.idle();
  return id;
}

/** Every item of the table, by a bounded paged scan. */
async function scanAll(rt: LocalRuntime): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await rt.container.table.ddb.send(
      new ScanCommand({ TableName: rt.table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start) return items;
  }
  throw new Error('table scan did not end');
}

/** The bus-marker items of the table (by kind or sort key), and the sort keys under the event's partition. */
async function storedFor(rt: LocalRuntime, id: string) {
  const items = await scanAll(rt);
  return {
    markers: items.filter((i) => i.kind === BUS_MARKER.kind || i.sk === BUS_MARKER.sk),
    eventSks: items.filter((i) => i.pk === EVENT.pk(id)).map((i) => i.sk),
  };
}

describe('HOOKBRIDGE_EVENT_BUS=off', () => {
  it('delivers a Stripe event exactly once, publishes nothing and neither claims nor stores a bus marker', async () => {
    const { rt, markerCalls } = off;
    expect(rt.container.config.HOOKBRIDGE_EVENT_BUS).toBe('off');
    expect(rt.container.delivery.bus).toBeUndefined();
    const id = await postSucceeded(rt, 'evt_bus_off_1');
    expect(hits('/off', id)).toBe(1);
    const api = apiCaller(() => rt.url, TEST_ADMIN_KEY);
    const deliveries = await api('GET', `/events/${id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.json!.items).toMatchObject([{ destinationId: 'off', status: 'delivered', round: 0 }]);
    // The read model is kept as with the bus on.
    const state = await api('GET', '/payments/pi_evt_bus_off_1');
    expect(state).toMatchObject({ status: 200, json: { lastType: 'payment.succeeded', lastEventId: id } });
    expect(rt.pipeline.bus.published).toEqual([]);
    expect(markerCalls).toEqual([]);
    const stored = await storedFor(rt, id);
    expect(stored.markers).toEqual([]);
    expect(stored.eventSks).toContain('event');
    expect(stored.eventSks).not.toContain(BUS_MARKER.sk);
    expect(rt.pipeline.streamDeadLetters).toEqual([]);
  });

  it('replays (one event, then a bulk job) deliver again and publish nothing', async () => {
    const { rt, markerCalls } = off;
    const api = apiCaller(() => rt.url, TEST_ADMIN_KEY);
    const id = await postSucceeded(rt, 'evt_bus_off_replay');
    expect(hits('/off', id)).toBe(1);
    expect(await api('POST', `/events/${id}/replay`)).toEqual({ status: 202, json: { queued: 1 } });
    await rt.pipeline.idle();
    expect(hits('/off', id)).toBe(2);

    const { receivedAt } = (await api('GET', `/events/${id}`)).json as { receivedAt: string };
    const job = await api('POST', '/replays', { id: 'rpl_bus_off', from: receivedAt, to: receivedAt });
    expect(job.status).toBe(202);
    await rt.pipeline.idle();
    expect((await api('GET', '/replays/rpl_bus_off')).json).toMatchObject({
      status: 'done',
      eventsScanned: 1,
      deliveriesQueued: 1,
    });
    expect(hits('/off', id)).toBe(3);
    expect(rt.pipeline.bus.published).toEqual([]);
    expect(markerCalls).toEqual([]);
    expect((await storedFor(rt, id)).markers).toEqual([]);
  });
});

describe('the bus on (default), the contrast', () => {
  it('delivers once, publishes once and stores one confirmed marker, as the scan above would see', async () => {
    const { rt, markerCalls } = on;
    expect(rt.container.config.HOOKBRIDGE_EVENT_BUS).toBe('on');
    const id = await postSucceeded(rt, 'evt_bus_on_1');
    expect(hits('/on', id)).toBe(1);
    expect(rt.pipeline.bus.published.map((e) => [e.id, e.detailType])).toEqual([[id, 'payment.succeeded']]);
    expect(markerCalls).toEqual(['claimPublication', 'confirmPublications']);
    const stored = await storedFor(rt, id);
    expect(stored.markers).toMatchObject([
      { pk: EVENT.pk(id), sk: BUS_MARKER.sk, kind: BUS_MARKER.kind, confirmedAt: expect.any(String) },
    ]);
    expect(stored.eventSks).toContain(BUS_MARKER.sk);
  });
});
