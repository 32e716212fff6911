/**
 * One set of cases for each store port, run against the DynamoDB adapter (on dynalite) and the
 * in-memory fake in test/support, so unit tests on the fakes mean what the adapters do.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTable } from '../../infra/local/table.js';
import { DynamoApiKeyRepo } from '../../shared/adapters/dynamodb/api-keys.js';
import { DynamoBusMarkerRepo } from '../../shared/adapters/dynamodb/bus-markers.js';
import { DynamoConnectionRepo } from '../../shared/adapters/dynamodb/connections.js';
import { DynamoDeliveryRepo } from '../../shared/adapters/dynamodb/deliveries.js';
import { DynamoDestinationRepo } from '../../shared/adapters/dynamodb/destinations.js';
import { DynamoEventRepo } from '../../shared/adapters/dynamodb/events.js';
import { DynamoFlowRepo } from '../../shared/adapters/dynamodb/flow.js';
import { DynamoIntegrationRepo } from '../../shared/adapters/dynamodb/integrations.js';
import { DynamoPullMessageRepo } from '../../shared/adapters/dynamodb/pull-messages.js';
import { DynamoReadModelRepo } from '../../shared/adapters/dynamodb/read-model.js';
import { DynamoReconcilerRepo } from '../../shared/adapters/dynamodb/reconcilers.js';
import { DynamoReplayRepo } from '../../shared/adapters/dynamodb/replays.js';
import type { ConnectionRecord } from '../../shared/connections/model.js';
import type { Delivery, DeliveryAttempt, ObjectState, PullMessage } from '../../shared/delivery/types.js';
import type { EventRecord } from '../../shared/events/record.js';
import type {
  ApiKeyRepo,
  BusMarkerRepo,
  ConnectionRepo,
  DeliveryRepo,
  DestinationRepo,
  EventRepo,
  FlowRepo,
  IntegrationRepo,
  PullMessageRepo,
  ReadModelRepo,
  ReconcilerRepo,
  ReplayRepo,
} from '../../shared/ports/index.js';
import { fileDynalite } from '../support/dynalite.js';
import { memoryStores } from '../support/memory-stores.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const AT = new Date(NOW).toISOString();
const later = (ms: number) => new Date(NOW + ms).toISOString();
const db = fileDynalite();
let table = 0;

interface Stores {
  events: EventRepo;
  destinations: DestinationRepo;
  flow: FlowRepo;
  deliveries: DeliveryRepo;
  pullMessages: PullMessageRepo;
  readModel: ReadModelRepo;
  busMarkers: BusMarkerRepo;
  replays: ReplayRepo;
  connections: ConnectionRepo;
  integrations: IntegrationRepo;
  apiKeys: ApiKeyRepo;
  reconcilers: ReconcilerRepo;
}

/** A fresh, empty set of stores: a new table for DynamoDB, new maps for the fakes. */
async function dynamoStores(): Promise<Stores> {
  const name = `contract-${++table}`;
  await createTable(db.ddb, name);
  return {
    events: new DynamoEventRepo(db.ddb, name, { retentionDays: 30, now: () => NOW }),
    destinations: new DynamoDestinationRepo(db.ddb, name),
    flow: new DynamoFlowRepo(db.ddb, name),
    deliveries: new DynamoDeliveryRepo(db.ddb, name),
    pullMessages: new DynamoPullMessageRepo(db.ddb, name),
    readModel: new DynamoReadModelRepo(db.ddb, name),
    busMarkers: new DynamoBusMarkerRepo(db.ddb, name),
    replays: new DynamoReplayRepo(db.ddb, name),
    connections: new DynamoConnectionRepo(db.ddb, name),
    integrations: new DynamoIntegrationRepo(db.ddb, name),
    apiKeys: new DynamoApiKeyRepo(db.ddb, name),
    reconcilers: new DynamoReconcilerRepo(db.ddb, name),
  };
}

const body = Buffer.from('{"id":"evt_src"}');
const event = (id: string, over: Partial<EventRecord> = {}): EventRecord => ({
  id,
  provider: 'stripe',
  source: 'default',
  eventId: `src_${id}`,
  type: 'invoice.paid',
  receivedAt: AT,
  bodySha256: createHash('sha256').update(body).digest('hex'),
  bodySize: body.length,
  headers: {},
  matchedSecret: 0,
  ...over,
});

const delivery: Delivery = {
  eventId: 'evt_1',
  destinationId: 'orders',
  part: 0,
  webhookId: 'evt_1',
  type: 'payment.succeeded',
  status: 'pending',
  attempts: 0,
  round: 0,
  createdAt: AT,
  updatedAt: AT,
};

const connection: ConnectionRecord = {
  id: 'conn_1',
  integrationId: 'github',
  provider: 'github',
  endUserId: 'u1',
  status: 'active',
  scopes: [],
  metadata: {},
  providerMetadata: {},
  tokens: 'jwe',
  kid: 'k1',
  hasRefreshToken: true,
  version: 1,
  refreshFailures: 0,
  createdAt: AT,
  updatedAt: AT,
};

const replayJob = (id: string, createdAt: string) => ({
  id,
  status: 'running' as const,
  from: AT,
  to: AT,
  pages: 0,
  eventsScanned: 0,
  deliveriesQueued: 0,
  createdAt,
  updatedAt: createdAt,
});

describe.each([
  ['DynamoDB adapters', dynamoStores],
  ['in-memory fakes', async (): Promise<Stores> => memoryStores(() => NOW)],
])('%s', (_name, make) => {
  it('events: exactly once, a different body is flagged, bodies read back exactly', async () => {
    const { events } = await make();
    expect(await events.put(event('evt_a'), body)).toBe('stored');
    expect(await events.put(event('evt_a'), body)).toBe('duplicate');
    expect(await events.put(event('evt_a', { bodySha256: 'f'.repeat(64) }), body)).toBe('duplicate_mismatch');
    expect((await events.get('evt_a'))?.flagged).toBe('body_mismatch');
    const stored = await events.getStored('evt_a');
    expect(await events.getBody(stored!.record, stored!.item)).toEqual(body);
    expect((await events.getWithBody('evt_a'))?.body).toEqual(body);
    expect(await events.get('evt_none')).toBeUndefined();
    await events.put(event('evt_b', { receivedAt: later(1000), provider: 'github' }), body);
    const first = await events.list({ limit: 1 });
    expect(first.items.map((e) => e.id)).toEqual(['evt_b']);
    expect((await events.list({ limit: 1 }, first.cursor)).items.map((e) => e.id)).toEqual(['evt_a']);
    expect((await events.list({ provider: 'stripe' })).items.map((e) => e.id)).toEqual(['evt_a']);
  });

  it('events: presentIds finds the live ids among any number; a reconciled record is a plain duplicate', async () => {
    const { events } = await make();
    const ids = Array.from({ length: 130 }, (_, i) => `evt_p${i}`);
    for (const id of ids.filter((_, i) => i % 3 === 0)) await events.put(event(id), body);
    const present = await events.presentIds([...ids, 'evt_none']);
    expect([...present].sort()).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
    expect(await events.presentIds([])).toEqual(new Set());
    // The events API's JSON is not the webhook's bytes: no body_mismatch either way round.
    const reconciled = event('evt_r', { via: 'reconciliation', reconcilerId: 'stripe', matchedSecret: -1 });
    expect(await events.put(reconciled, body)).toBe('stored');
    expect(await events.put(event('evt_r', { bodySha256: 'f'.repeat(64) }), body)).toBe('duplicate');
    expect(await events.put(reconciled, body)).toBe('duplicate');
    expect(
      await events.put(event('evt_p0', { via: 'reconciliation', bodySha256: 'e'.repeat(64) }), body),
    ).toBe('duplicate');
    expect(await events.get('evt_r')).toMatchObject({ via: 'reconciliation', reconcilerId: 'stripe' });
    expect((await events.get('evt_r'))?.flagged).toBeUndefined();
    expect((await events.get('evt_p0'))?.via).toBeUndefined();
  });

  it('reconcilers: settings replaced and state kept, one run lease at a time, the checkpoint set on completion', async () => {
    const { reconcilers } = await make();
    const settings = {
      id: 'stripe',
      provider: 'stripe',
      source: 'default',
      integrationId: 'k',
      intervalMinutes: 5,
      lookbackHours: 1,
    };
    const first = await reconcilers.save(settings, AT);
    expect(first).toMatchObject({ created: true, reconciler: { ...settings, createdAt: AT, nextRunAt: AT } });
    expect(await reconcilers.beginRun('none', 'o1', AT, later(1000))).toBe(false);
    expect(await reconcilers.beginRun('stripe', 'o1', AT, later(60_000))).toBe(true);
    expect(await reconcilers.beginRun('stripe', 'o2', later(1000), later(60_000))).toBe(false);
    const run = {
      trigger: 'manual' as const,
      status: 'running' as const,
      startedAt: AT,
      windowFrom: AT,
      windowTo: later(5000),
      after: 'evt_9',
      pages: 1,
      listed: 2,
      stored: 1,
      skipped: 1,
      errors: 0,
    };
    expect(await reconcilers.saveProgress('stripe', 'o2', run)).toBe(false);
    expect(await reconcilers.saveProgress('stripe', 'o1', run)).toBe(true);
    expect((await reconcilers.get('stripe'))?.progress).toEqual(run);
    const done = { ...run, status: 'completed' as const, finishedAt: later(2000) };
    await reconcilers.finishRun('stripe', 'o1', {
      run: done,
      nextRunAt: later(300_000),
      checkpoint: later(5000),
    });
    const after = await reconcilers.get('stripe');
    expect(after).toMatchObject({ lastRun: done, checkpoint: later(5000), nextRunAt: later(300_000) });
    expect(after?.progress).toBeUndefined();
    // The lease is free again; a stale one (past its time) can be taken over.
    expect(await reconcilers.beginRun('stripe', 'o3', later(2000), later(3000))).toBe(true);
    expect(await reconcilers.beginRun('stripe', 'o4', later(4000), later(60_000))).toBe(true);
    const again = await reconcilers.save({ ...settings, intervalMinutes: 60 }, later(9000));
    expect(again).toMatchObject({
      created: false,
      reconciler: { intervalMinutes: 60, createdAt: AT, checkpoint: later(5000) },
    });
    await reconcilers.save({ ...settings, id: 'stripe:eu', source: 'eu' }, AT);
    const page1 = await reconcilers.list(1);
    expect(page1.items.map((r) => r.id)).toEqual(['stripe']);
    expect((await reconcilers.list(1, page1.cursor)).items.map((r) => r.id)).toEqual(['stripe:eu']);
  });

  it('events: pages across index shards in exact newest-first order, with filters and bounds', async () => {
    const { events } = await make();
    // Two events per instant (ties order by id), two providers, a rare type only a few shards hold.
    const records = Array.from({ length: 300 }, (_, i) =>
      event(`evt_${String(i).padStart(3, '0')}`, {
        receivedAt: later(Math.floor(i / 2) * 1000),
        provider: i % 3 === 0 ? 'github' : 'stripe',
        type: i % 25 === 0 ? 'rare.type' : 'invoice.paid',
      }),
    );
    for (let i = 0; i < records.length; i += 50)
      await Promise.all(records.slice(i, i + 50).map((r) => events.put(r, body)));
    const newestFirst = (rs: EventRecord[]) =>
      rs
        .map((r) => `${r.receivedAt}#${r.id}`)
        .sort()
        .reverse()
        .map((k) => k.split('#')[1]);
    type Filters = { provider?: string; type?: string; from?: string; to?: string };
    const pageAll = async (filters: Filters, limit = 7) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let n = 0; n < 400; n++) {
        const page = await events.list({ ...filters, limit }, cursor);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        ids.push(...page.items.map((e) => e.id));
        cursor = page.cursor;
        if (!cursor) return ids;
      }
      throw new Error('did not reach the last page');
    };
    expect(await pageAll({})).toEqual(newestFirst(records));
    expect(await pageAll({ provider: 'github' })).toEqual(
      newestFirst(records.filter((r) => r.provider === 'github')),
    );
    const rare = newestFirst(records.filter((r) => r.type === 'rare.type'));
    expect(await pageAll({ type: 'rare.type' })).toEqual(rare);
    // One per page: a page reads too little of each shard to find a match in all of them.
    expect(await pageAll({ type: 'rare.type' }, 1)).toEqual(rare);
    const [from, to] = [later(20_000), later(60_000)];
    expect(await pageAll({ from, to, provider: 'stripe' })).toEqual(
      newestFirst(
        records.filter((r) => r.provider === 'stripe' && r.receivedAt >= from && r.receivedAt <= to),
      ),
    );
  });

  it("deliveries: a destination's pending list pages by limit across index shards, each once", async () => {
    const { deliveries } = await make();
    const ids = Array.from({ length: 60 }, (_, i) => `evt_${String(i).padStart(2, '0')}`);
    for (const eventId of ids)
      expect(
        await deliveries.createDelivery({ ...delivery, eventId, webhookId: eventId, destinationId: 'paged' }),
      ).toBe('created');
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 40; i++) {
      const page = await deliveries.listIndexedForDestination('paged', 'pending', cursor, 4);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((d) => d.eventId));
      cursor = page.cursor;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    expect(seen.sort()).toEqual(ids);
    expect((await deliveries.listIndexedForDestination('paged', 'dead', undefined, 4)).items).toEqual([]);
    // Counted across the shards, up to a cap; the oldest is the earliest createdAt.
    expect(await deliveries.countIndexed('paged', 'pending', 1000)).toEqual({
      count: 60,
      capped: false,
      oldestAt: delivery.createdAt,
    });
    expect(await deliveries.countIndexed('paged', 'pending', 25)).toMatchObject({ count: 25, capped: true });
    expect(await deliveries.countIndexed('paged', 'dead', 1000)).toEqual({ count: 0, capped: false });
  });

  it('deliveries: created once, one claim per attempt, settle guarded by round, rounds keyed by cause', async () => {
    const { deliveries } = await make();
    expect(await deliveries.createDelivery(delivery)).toBe('created');
    expect(await deliveries.createDelivery(delivery)).toBe('exists');
    const claim = await deliveries.claimAttempt(delivery, 0, 0, AT, later(-30_000));
    expect(claim).toMatchObject({ outcome: 'claimed', delivery: { attempts: 1, claimedAt: AT } });
    expect(await deliveries.claimAttempt(delivery, 0, 0, AT, later(-30_000))).toEqual({ outcome: 'busy' });
    expect(await deliveries.claimAttempt(delivery, 0, 0, later(60_000), later(30_000))).toMatchObject({
      outcome: 'claimed',
    });
    expect(await deliveries.claimAttempt(delivery, 1, 0, AT, AT)).toEqual({ outcome: 'skipped' });
    expect(await deliveries.claimAttempt({ ...delivery, part: 9 }, 0, 0, AT, AT)).toEqual({
      outcome: 'skipped',
    });

    await deliveries.settle(delivery, 5, { status: 'delivered', at: AT, lastStatus: 204 });
    expect((await deliveries.getDelivery('evt_1', 'orders', 0))?.status).toBe('pending');
    await deliveries.settle(delivery, 0, {
      status: 'dead',
      at: AT,
      lastStatus: 500,
      deadReason: 'retries_exhausted',
    });
    expect(await deliveries.getDelivery('evt_1', 'orders', 0)).toMatchObject({
      status: 'dead',
      claimedAt: undefined,
    });
    expect((await deliveries.listDeadLetters('orders')).map((d) => d.eventId)).toEqual(['evt_1']);

    expect(await deliveries.startRound(delivery, 'rpl_1', AT, true)).toBe(1);
    expect(await deliveries.startRound(delivery, 'rpl_1', AT, false)).toBeUndefined();
    expect(await deliveries.startRound(delivery, 'rpl_2', AT, true)).toBeUndefined();
    expect(await deliveries.listDeadLetters('orders')).toEqual([]);
    const pending = await deliveries.listIndexedForDestination('orders', 'pending');
    expect(pending.items.map((d) => d.round)).toEqual([1]);
    await deliveries.retireForDeletedDestination(pending.items[0]!, AT);
    expect(await deliveries.getDelivery('evt_1', 'orders', 0)).toMatchObject({
      status: 'dead',
      deadReason: 'destination_deleted',
    });
    expect((await deliveries.listIndexedForDestination('orders', 'pending')).items).toEqual([]);
  });

  it('deliveries: settling with an attempt records it; a stale round keeps its attempt, not its change', async () => {
    const { deliveries } = await make();
    await deliveries.createDelivery(delivery);
    const attempt = (round: number, n: number): DeliveryAttempt => ({
      eventId: 'evt_1',
      destinationId: 'orders',
      part: 0,
      round,
      attempt: n,
      at: later(n * 1000),
      status: 500,
      latencyMs: 7,
      outcome: 'retry',
      error: 'HTTP 500',
    });
    // More attempts than a delivery item keeps in its own log (ATTEMPT_LOG_MAX): all are listed.
    for (let n = 0; n < 40; n++)
      await deliveries.settle(
        delivery,
        0,
        { status: 'pending', at: later(n * 1000), lastStatus: 500, lastError: 'HTTP 500' },
        { record: attempt(0, n) },
      );
    await deliveries.settle(
      delivery,
      3,
      { status: 'delivered', at: AT, lastStatus: 204 },
      { record: attempt(3, 0) },
    );
    const { deliveries: ds, attempts } = await deliveries.listForEvent('evt_1');
    expect(ds).toEqual([expect.objectContaining({ status: 'pending', lastStatus: 500, round: 0 })]);
    expect(attempts.map((a) => [a.round, a.attempt])).toEqual([
      ...Array.from({ length: 40 }, (_, n) => [0, n]),
      [3, 0],
    ]);
    expect(attempts[7]).toEqual(attempt(0, 7));
  });

  it('bus markers: confirmed together, as many as a batch holds, none can be re-taken', async () => {
    const { busMarkers } = await make();
    const ids = Array.from({ length: 30 }, (_, i) => `evt_b${i}`);
    for (const id of ids)
      expect(await busMarkers.claimPublication(id, AT, { staleBefore: later(-60_000) })).toBe(true);
    await busMarkers.confirmPublications(ids, AT);
    for (const id of ids)
      expect(await busMarkers.claimPublication(id, later(120_000), { staleBefore: later(60_000) })).toBe(
        false,
      );
    expect(await busMarkers.claimPublication('evt_other', AT, { staleBefore: later(-60_000) })).toBe(true);
  });

  it('deliveries: a postponed claim is given back uncounted, only by the attempt that holds it', async () => {
    const { deliveries } = await make();
    await deliveries.createDelivery(delivery);
    await deliveries.claimAttempt(delivery, 0, 0, AT, later(-30_000));
    await deliveries.postponeAttempt(delivery, 0, 1, AT, later(5000));
    expect(await deliveries.getDelivery('evt_1', 'orders', 0)).toMatchObject({ attempts: 1, claimedAt: AT });
    await deliveries.postponeAttempt(delivery, 0, 0, later(1), later(5000));
    expect(await deliveries.getDelivery('evt_1', 'orders', 0)).toMatchObject({
      status: 'pending',
      attempts: 0,
      claimedAt: undefined,
      nextAttemptAt: later(5000),
      updatedAt: later(1),
    });
    expect(await deliveries.claimAttempt(delivery, 0, 0, AT, later(-30_000))).toMatchObject({
      outcome: 'claimed',
    });
  });

  it('flow: rate slots one interval apart up to a horizon, leases up to max (a lapsed one taken back)', async () => {
    const { flow } = await make();
    expect(await flow.reserveRate('d', NOW, 100, 250)).toEqual({ slotAt: NOW });
    expect(await flow.reserveRate('d', NOW, 100, 250)).toEqual({ slotAt: NOW + 100 });
    expect(await flow.reserveRate('d', NOW, 100, 250)).toEqual({ slotAt: NOW + 200 });
    expect(await flow.reserveRate('d', NOW, 100, 250)).toEqual({ retryAt: NOW + 50 });
    // Idle time is not saved up: after a pause the next slot is now, one interval after the last.
    expect(await flow.reserveRate('d', NOW + 10_000, 100, 250)).toEqual({ slotAt: NOW + 10_000 });
    expect(await flow.reserveRate('d', NOW + 10_000, 100, 250)).toEqual({ slotAt: NOW + 10_100 });

    const a = await flow.acquireLease('d', NOW, 2, NOW + 1000);
    const b = await flow.acquireLease('d', NOW, 2, NOW + 5000);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(await flow.acquireLease('d', NOW, 2, NOW + 1000)).toBeUndefined();
    await flow.releaseLease('d', b!);
    await flow.releaseLease('d', b!);
    const c = await flow.acquireLease('d', NOW, 2, NOW + 5000);
    expect(c).toBeDefined();
    expect(await flow.acquireLease('d', NOW + 999, 2, NOW + 5000)).toBeUndefined();
    // a's invocation died: at its expiry it is taken back.
    expect(await flow.acquireLease('d', NOW + 1000, 2, NOW + 6000)).toBeDefined();
    expect(await flow.acquireLease('d', NOW + 1000, 2, NOW + 6000)).toBeUndefined();
  });

  it('flow: the breaker counts on the destination, opens once, one probe at a time, closes from half_open only', async () => {
    const { flow, destinations } = await make();
    expect(await flow.countOutcome('orders', false, NOW, 60_000)).toBeUndefined();
    const dest = {
      id: 'orders',
      url: 'https://x.example',
      types: [],
      secret: 's',
      status: 'enabled' as const,
    };
    await destinations.putDestination({ ...dest, createdAt: AT, updatedAt: AT });
    expect(await flow.countOutcome('orders', false, NOW, 60_000)).toEqual({
      failures: 1,
      windowAttempts: 1,
      windowFailures: 1,
    });
    expect(await flow.countOutcome('orders', true, NOW + 1, 60_000)).toEqual({
      failures: 0,
      windowAttempts: 2,
      windowFailures: 1,
    });
    expect(await flow.countOutcome('orders', false, NOW + 2, 60_000)).toEqual({
      failures: 1,
      windowAttempts: 3,
      windowFailures: 2,
    });
    // The window ended: a success counts nowhere, a failure starts a new one.
    expect(await flow.countOutcome('orders', true, NOW + 60_000, 60_000)).toEqual({
      failures: 0,
      windowAttempts: 3,
      windowFailures: 2,
    });
    expect(await flow.countOutcome('orders', false, NOW + 60_001, 60_000)).toEqual({
      failures: 1,
      windowAttempts: 1,
      windowFailures: 1,
    });
    const opening = { reason: 'r', nowMs: NOW, nextProbeAt: NOW + 1000 };
    expect(await flow.closeCircuit('orders')).toBe(false);
    expect(await flow.openCircuit('orders', 'half_open', opening)).toBe(false);
    expect(await flow.openCircuit('orders', 'closed', opening)).toBe(true);
    expect(await flow.openCircuit('orders', 'closed', opening)).toBe(false);
    expect(await flow.takeProbe('orders', NOW + 999, NOW + 5000)).toBe(false);
    expect(await flow.takeProbe('orders', NOW + 1000, NOW + 5000)).toBe(true);
    expect(await flow.takeProbe('orders', NOW + 1000, NOW + 5000)).toBe(false);
    expect((await destinations.getDestination('orders'))?.circuit).toMatchObject({
      state: 'half_open',
      reason: 'r',
      probeUntil: NOW + 5000,
    });
    // The probe's lease lapsed: another takes it.
    expect(await flow.takeProbe('orders', NOW + 5000, NOW + 9000)).toBe(true);
    expect(await flow.closeCircuit('orders')).toBe(true);
    expect((await destinations.getDestination('orders'))?.circuit).toEqual({
      state: 'closed',
      failures: 0,
      windowAttempts: 0,
      windowFailures: 0,
    });
  });

  it("deliveries: a destination's pending and dead-letter lists hold every delivery, whatever its index shard", async () => {
    const { deliveries } = await make();
    const bulk = Array.from({ length: 40 }, (_, i) => ({
      ...delivery,
      eventId: `evt_b${String(i).padStart(2, '0')}`,
      destinationId: 'bulk',
    }));
    await Promise.all(bulk.map((d) => deliveries.createDelivery(d)));
    const pendingIds: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 50; n++) {
      const page = await deliveries.listIndexedForDestination('bulk', 'pending', cursor);
      pendingIds.push(...page.items.map((d) => d.eventId));
      cursor = page.cursor;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    expect(pendingIds.sort()).toEqual(bulk.map((d) => d.eventId));
    // Dead letters come back oldest first across shards, `limit` of them.
    const dead = bulk.slice(0, 20).reverse();
    for (const [i, d] of dead.entries())
      await deliveries.settle(d, 0, {
        status: 'dead',
        at: later(i * 1000),
        lastStatus: 500,
        deadReason: 'retries_exhausted',
      });
    expect((await deliveries.listDeadLetters('bulk', 5)).map((d) => d.eventId)).toEqual(
      dead.slice(0, 5).map((d) => d.eventId),
    );
    expect((await deliveries.listDeadLetters('bulk')).map((d) => d.eventId)).toEqual(
      dead.map((d) => d.eventId),
    );
    expect((await deliveries.listIndexedForDestination('bulk', 'pending')).items).toHaveLength(20);
  });

  it('pull messages: numbered 1, 2, … per stream in storing order, read after a number', async () => {
    const { pullMessages } = await make();
    const stream = { destinationId: 'inbox', generation: 'g1' };
    const message = (eventId: string, over: Partial<PullMessage> = {}): Omit<PullMessage, 'seq'> => ({
      ...stream,
      eventId,
      part: 0,
      round: 0,
      webhookId: eventId,
      type: 'payment.succeeded',
      storedAt: AT,
      ...over,
    });
    const ids = ['evt_a', 'evt_b', 'evt_c', 'evt_d'];
    const seqs: number[] = [];
    for (const id of ids) seqs.push(await pullMessages.appendMessage(message(id), 99));
    expect(seqs).toEqual([1, 2, 3, 4]);
    // Another destination, and the same id's next generation, are streams of their own.
    expect(await pullMessages.appendMessage(message('evt_x', { destinationId: 'other' }))).toBe(1);
    expect(await pullMessages.appendMessage(message('evt_y', { generation: 'g2' }))).toBe(1);
    const all = await pullMessages.listMessages(stream, 0, 10);
    expect(all).toEqual(ids.map((id, i) => ({ ...message(id), seq: i + 1 })));
    expect((await pullMessages.listMessages(stream, 1, 2)).map((m) => m.eventId)).toEqual(['evt_b', 'evt_c']);
    expect(await pullMessages.listMessages(stream, 4, 10)).toEqual([]);
    expect(await pullMessages.listMessages({ destinationId: 'nobody', generation: 'g1' }, 0, 10)).toEqual([]);
    // A replay of the same part is a new message with the same webhook-id.
    expect(await pullMessages.appendMessage(message('evt_a', { round: 1 }))).toBe(5);
    expect((await pullMessages.listMessages(stream, 4, 10)).map((m) => [m.webhookId, m.round])).toEqual([
      ['evt_a', 1],
    ]);
    await pullMessages.dropStream(stream);
    expect(await pullMessages.appendMessage(message('evt_z', { generation: 'g2' }))).toBe(2);
  });

  it('read model: only a newer order is applied', async () => {
    const { readModel } = await make();
    const s: ObjectState = {
      provider: 'stripe',
      objectType: 'subscription',
      objectId: 'sub_1',
      order: '0002',
      customerId: 'cus_1',
      lastType: 'subscription.updated',
      lastEventId: 'evt_1',
      occurredAt: AT,
      updatedAt: AT,
      event: {},
    };
    expect(await readModel.applyState(s)).toBe('applied');
    expect(await readModel.applyState({ ...s, order: '0001' })).toBe('stale');
    expect(await readModel.applyState(s)).toBe('stale');
    expect(await readModel.applyState({ ...s, order: '0003' })).toBe('applied');
    expect((await readModel.findObjects('subscription', 'sub_1')).map((o) => o.order)).toEqual(['0003']);
    expect((await readModel.customerSubscriptions('cus_1', 'stripe')).map((o) => o.objectId)).toEqual([
      'sub_1',
    ]);
    expect(await readModel.getObject('paddle', 'subscription', 'sub_1')).toBeUndefined();
    // A key of another basis (left by an earlier ordering rule) is replaced; then keys compare again.
    expect(await readModel.applyState({ ...s, order: 'v000000000000010#5' })).toBe('applied');
    expect(await readModel.applyState({ ...s, order: 't001700000000000000#5' })).toBe('applied');
    expect(await readModel.applyState({ ...s, order: 't001600000000000000#5' })).toBe('stale');
    expect(await readModel.applyState({ ...s, order: 't001700000000000000#5' })).toBe('stale');
    expect((await readModel.getObject('stripe', 'subscription', 'sub_1'))?.order).toBe(
      't001700000000000000#5',
    );
  });

  it('bus markers: one claim, re-taken when stale or by its own token, never after confirmation', async () => {
    const { busMarkers } = await make();
    const opts = { staleBefore: later(-60_000) };
    expect(await busMarkers.claimPublication('evt_1', AT, { ...opts, token: 't1' })).toBe(true);
    expect(await busMarkers.claimPublication('evt_1', AT, opts)).toBe(false);
    expect(await busMarkers.claimPublication('evt_1', AT, { ...opts, token: 't1' })).toBe(true);
    expect(await busMarkers.claimPublication('evt_1', later(120_000), { staleBefore: later(60_000) })).toBe(
      true,
    );
    await busMarkers.confirmPublication('evt_1', AT);
    expect(await busMarkers.claimPublication('evt_1', later(120_000), { staleBefore: later(60_000) })).toBe(
      false,
    );
    await busMarkers.releasePublication('evt_1');
    expect(await busMarkers.claimPublication('evt_1', AT, opts)).toBe(true);
  });

  it('replays: created once, each page advanced once', async () => {
    const { replays } = await make();
    const job = replayJob('rpl_1', AT);
    expect(await replays.createReplay(job)).toBe('created');
    expect(await replays.createReplay(job)).toBe('exists');
    expect(await replays.advanceReplay(job, { cursor: 'c1', scanned: 25, queued: 3, at: AT })).toBe(true);
    expect(await replays.advanceReplay(job, { cursor: 'c1', scanned: 25, queued: 3, at: AT })).toBe(false);
    const running = (await replays.getReplay('rpl_1'))!;
    expect(running).toMatchObject({ pages: 1, cursor: 'c1', eventsScanned: 25, deliveriesQueued: 3 });
    expect(await replays.advanceReplay(running, { cursor: undefined, scanned: 1, queued: 0, at: AT })).toBe(
      true,
    );
    expect(await replays.getReplay('rpl_1')).toMatchObject({ status: 'done', pages: 2, cursor: undefined });
  });

  it('destinations and replays: listed a page at a time, the cursor absent on the last page', async () => {
    const { destinations, replays } = await make();
    expect(await destinations.pageDestinations(2)).toEqual({ items: [] });
    for (const id of ['c', 'a', 'b'])
      await destinations.putDestination({
        id,
        url: `https://example.com/${id}`,
        types: [],
        secret: 'whsec_x',
        status: 'enabled',
        createdAt: AT,
        updatedAt: AT,
      });
    const first = await destinations.pageDestinations(2);
    expect(first.items.map((d) => d.id)).toEqual(['a', 'b']);
    expect(first.items[0]).toMatchObject({ url: 'https://example.com/a', status: 'enabled' });
    const rest = await destinations.pageDestinations(2, first.cursor);
    expect(rest).toEqual({ items: [expect.objectContaining({ id: 'c' })] });
    // A full last page has no cursor either.
    expect((await destinations.pageDestinations(3)).cursor).toBeUndefined();

    const job = replayJob;
    await replays.createReplay(job('rpl_old', AT));
    await replays.createReplay(job('rpl_new', later(2000)));
    await replays.createReplay(job('rpl_mid', later(1000)));
    const newest = await replays.listReplays(2);
    expect(newest.items.map((j) => j.id)).toEqual(['rpl_new', 'rpl_mid']);
    expect(newest.items[0]).toEqual(job('rpl_new', later(2000)));
    expect(await replays.listReplays(2, newest.cursor)).toEqual({ items: [job('rpl_old', AT)] });
    expect((await replays.listReplays(3)).cursor).toBeUndefined();
  });

  it('connections: sessions once, states browser-bound, versioned writes under a lease', async () => {
    const { connections } = await make();
    const session = {
      id: 'cs_1',
      integrationId: 'github',
      endUserId: 'u1',
      metadata: {},
      createdAt: AT,
      expiresAt: NOW + 60_000,
    };
    await connections.putSession(session);
    await expect(connections.putSession(session)).rejects.toThrow();
    expect(await connections.consumeSession('cs_1', NOW)).toMatchObject({
      ok: true,
      session: { id: 'cs_1' },
    });
    expect(await connections.consumeSession('cs_1', NOW)).toEqual({ ok: false, reason: 'used' });
    expect(await connections.consumeSession('cs_none', NOW)).toEqual({ ok: false, reason: 'unknown' });
    await connections.putSession({ ...session, id: 'cs_2' });
    expect(await connections.consumeSession('cs_2', NOW + 120_000)).toEqual({ ok: false, reason: 'expired' });

    const state = {
      state: 'st',
      sessionId: 'cs_1',
      integrationId: 'github',
      endUserId: 'u1',
      metadata: {},
      bindingHash: 'h',
      redirectUri: 'https://hb.example/cb',
      scopes: [],
      expiresAt: NOW + 60_000,
    };
    await connections.putState(state);
    expect(await connections.takeState('st', NOW, 'other')).toEqual({ ok: false, reason: 'binding' });
    expect(await connections.takeState('st', NOW, 'h')).toMatchObject({ ok: true, state: { state: 'st' } });
    expect(await connections.takeState('st', NOW, 'h')).toEqual({ ok: false, reason: 'unknown' });

    expect(await connections.save(connection, undefined)).toBe(true);
    expect(await connections.save(connection, undefined)).toBe(false);
    expect(await connections.acquireLease('conn_1', 'a', NOW, 30_000)).toBe(true);
    expect(await connections.acquireLease('conn_1', 'b', NOW + 1000, 30_000)).toBe(false);
    expect(await connections.updateUnderLease('conn_1', 'b', 1, { tokens: 'x' }, { bumpVersion: true })).toBe(
      false,
    );
    expect(
      await connections.updateUnderLease('conn_1', 'a', 1, { status: 'needs_reauth' }, { bumpVersion: true }),
    ).toBe(true);
    expect(await connections.get('conn_1')).toMatchObject({
      version: 2,
      status: 'needs_reauth',
      leaseOwner: undefined,
    });
    expect(await connections.reseal('conn_1', 1, 'y', 'k2')).toBe(false);
    expect(await connections.reseal('conn_1', 2, 'y', 'k2')).toBe(true);
    const byStatus = await connections.list({ integrationId: 'github', status: 'needs_reauth' });
    expect(byStatus.items.map((c) => c.id)).toEqual(['conn_1']);
    expect((await connections.list({ endUserId: 'u1', status: 'active' })).items).toEqual([]);
    expect(await connections.delete('conn_1')).toBe(true);
    expect(await connections.delete('conn_1')).toBe(false);
  });

  it('revocation jobs: due ones soonest first, updates guarded by the attempt count, finished ones leave the due list', async () => {
    const { connections } = await make();
    const job = (id: string, nextAttemptAt: number) => ({
      connectionId: id,
      integrationId: 'op',
      provider: 'oidc',
      endUserId: 'u1',
      tokens: 'jwe',
      status: 'pending' as const,
      attempts: 1,
      nextAttemptAt,
      lastError: 'revocation endpoint answered HTTP 503',
      createdAt: AT,
      updatedAt: AT,
    });
    await connections.putRevocation(job('conn_b', NOW + 2_000));
    await connections.putRevocation(job('conn_a', NOW + 1_000));
    await connections.putRevocation(job('conn_c', NOW + 60_000));
    expect((await connections.dueRevocations(NOW, 10)).map((j) => j.connectionId)).toEqual([]);
    expect((await connections.dueRevocations(NOW + 2_000, 10)).map((j) => j.connectionId)).toEqual([
      'conn_a',
      'conn_b',
    ]);
    expect((await connections.dueRevocations(NOW + 2_000, 1)).map((j) => j.connectionId)).toEqual(['conn_a']);
    const done = {
      ...job('conn_a', NOW),
      status: 'revoked' as const,
      attempts: 2,
      nextAttemptAt: undefined,
      lastError: undefined,
    };
    expect(await connections.updateRevocation(done, 2)).toBe(false);
    expect(await connections.updateRevocation(done, 1)).toBe(true);
    expect(await connections.updateRevocation(done, 1)).toBe(false);
    expect(await connections.getRevocation('conn_a')).toEqual(done);
    expect((await connections.dueRevocations(NOW + 2_000, 10)).map((j) => j.connectionId)).toEqual([
      'conn_b',
    ]);
    expect(await connections.getRevocation('conn_none')).toBeUndefined();
  });

  it('integrations and API keys', async () => {
    const { integrations, apiKeys } = await make();
    const config = { type: 'oauth', provider: 'github', scopes: [], params: {} } as never;
    expect((await integrations.put('gh', config, AT)).created).toBe(true);
    expect(await integrations.put('gh', config, later(1000))).toMatchObject({
      created: false,
      record: { createdAt: AT },
    });
    expect((await integrations.list()).items.map((r) => r.id)).toEqual(['gh']);
    const key = { id: 'k1', name: 'ci', scopes: ['admin' as const], hash: 'h', createdAt: AT };
    await apiKeys.put(key);
    await expect(apiKeys.put(key)).rejects.toThrow();
    expect(await apiKeys.revoke('k1', AT)).toBe(true);
    expect(await apiKeys.revoke('k1', later(1000))).toBe(true);
    expect((await apiKeys.get('k1'))?.revokedAt).toBe(AT);
    expect(await apiKeys.revoke('k_none', AT)).toBe(false);
  });
});
