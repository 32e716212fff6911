/**
 * The item codecs and the key schema: every kind of record reads back as written, and its keys are
 * the exact strings already stored in deployed tables (a changed key orphans every item under it).
 */
import { describe, expect, it } from 'vitest';
import { apiKeyFromItem, apiKeyItem } from '../../shared/adapters/dynamodb/api-keys.js';
import type { Item } from '../../shared/adapters/dynamodb/codec.js';
import { connectionFromItem, connectionItem } from '../../shared/adapters/dynamodb/connections.js';
import * as deliveries from '../../shared/adapters/dynamodb/deliveries.js';
import { destinationFromItem, destinationItem } from '../../shared/adapters/dynamodb/destinations.js';
import { integrationFromItem } from '../../shared/adapters/dynamodb/integrations.js';
import { BODY_CHUNK, BUS_MARKER, DELIVERY, EVENT, INTEGRATION } from '../../shared/adapters/dynamodb/keys.js';
import { objectFromItem, objectItem } from '../../shared/adapters/dynamodb/read-model.js';
import { replayFromItem, replayItem } from '../../shared/adapters/dynamodb/replays.js';
import * as sessions from '../../shared/adapters/dynamodb/sessions.js';
import type { Delivery } from '../../shared/delivery/types.js';
import { recordFromItem } from '../../shared/events/codec.js';
import type { EventRecord } from '../../shared/events/record.js';

const AT = '2026-03-01T12:00:00.000Z';
const times = { createdAt: AT, updatedAt: AT };
const part = { eventId: 'evt_1', destinationId: 'orders', part: 1 };
const KEY_ATTRIBUTES = ['pk', 'sk', 'kind', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl'];
const keysOf = (item: Item) =>
  Object.fromEntries(KEY_ATTRIBUTES.flatMap((k) => (item[k] === undefined ? [] : [[k, item[k]]])));

/** A record, its codec, and the keys its item must carry (in KEY_ATTRIBUTES order: pk sk kind gsi1 gsi2 ttl). */
function codec<T>(value: T, write: (v: T) => Item, read: (i: Item) => T, ...keys: (string | number)[]) {
  return () => {
    const item = write(value);
    expect(Object.values(keysOf(item))).toEqual(keys);
    expect(read(item)).toEqual(value);
  };
}

const delivery: Delivery = {
  ...part,
  ...times,
  webhookId: 'evt_1_1',
  type: 'payment.succeeded',
  status: 'pending',
  attempts: 2,
  round: 1,
  roundCause: 'rpl_1',
  destinationGeneration: 'abc',
  nextAttemptAt: AT,
  lastStatus: 500,
};

describe('item codecs', () => {
  it(
    'destination',
    codec(
      {
        id: 'orders',
        url: 'https://app.example/h',
        types: ['payment.*'],
        secret: 'whsec_x',
        status: 'disabled',
        disabledReason: 'gone',
        generation: 'abc',
        ...times,
      },
      destinationItem,
      destinationFromItem,
      ...['dest#orders', 'destination', 'destination', 'destinations', 'orders'],
    ),
  );
  it(
    'a pending delivery, indexed for its destination',
    codec(
      delivery,
      (d) => deliveries.deliveryItem(d, 99),
      deliveries.deliveryFromItem,
      'event#evt_1',
      'delivery#orders#01',
      'delivery',
      `pending#orders#${String(DELIVERY.shardOf('evt_1')).padStart(2, '0')}`,
      `${AT}#evt_1#1`,
      99,
    ),
  );
  it('a settled delivery is in no index', () => {
    expect(keysOf(deliveries.deliveryItem({ ...delivery, status: 'delivered' }))).not.toHaveProperty(
      'gsi1pk',
    );
  });
  it(
    'attempt',
    codec(
      {
        ...part,
        round: 1,
        attempt: 2,
        at: AT,
        status: 503,
        latencyMs: 12,
        outcome: 'retry',
        responseExcerpt: 'busy',
      },
      (a) => deliveries.attemptItem(a),
      deliveries.attemptFromItem,
      ...['event#evt_1', 'delivery#orders#01#attempt#0001#02', 'delivery_attempt'],
    ),
  );
  it(
    'payment object: a subscription is listed under its customer',
    codec(
      {
        provider: 'stripe',
        objectType: 'subscription',
        objectId: 'sub_1',
        order: '0001',
        status: 'active',
        customerId: 'cus_1',
        amount: { amount: 4200, currency: 'usd' },
        lastType: 'subscription.updated',
        lastEventId: 'evt_1',
        occurredAt: AT,
        updatedAt: AT,
        event: { type: 'x' },
      },
      objectItem,
      objectFromItem,
      ...[
        'payobj#stripe#subscription#sub_1',
        'state',
        'payment_object',
        'customer#cus_1',
        'subscription#stripe#sub_1',
        'payobj#subscription#sub_1',
        'stripe',
      ],
    ),
  );
  it(
    'replay job',
    codec(
      {
        id: 'rpl_1',
        status: 'running',
        from: AT,
        to: AT,
        provider: 'stripe',
        cursor: 'abc',
        pages: 3,
        eventsScanned: 70,
        deliveriesQueued: 5,
        ...times,
      },
      replayItem,
      replayFromItem,
      ...['replay#rpl_1', 'replay', 'replay', 'replays', `${AT}#rpl_1`],
    ),
  );
  it(
    'connection',
    codec(
      {
        id: 'conn_1',
        integrationId: 'github',
        provider: 'github',
        endUserId: 'u1',
        status: 'needs_reauth',
        scopes: ['repo'],
        metadata: { plan: 'pro' },
        providerMetadata: {},
        tokens: 'jwe',
        kid: 'k1',
        hasRefreshToken: true,
        expiresAt: 1_800_000_000_000,
        version: 4,
        refreshFailures: 1,
        firstFailureAt: 1_700_000_000_000,
        lastError: 'invalid_grant',
        ...times,
      },
      connectionItem,
      connectionFromItem,
      ...[
        'conn#conn_1',
        'conn',
        'connection',
        'conn#user#u1',
        'github#conn_1',
        'connections',
        'github#needs_reauth#conn_1',
      ],
    ),
  );
  it(
    'connect session: kept an hour past its expiry',
    codec(
      {
        id: 'cs_1',
        integrationId: 'github',
        endUserId: 'u1',
        metadata: {},
        createdAt: AT,
        expiresAt: 1_700_000_000_500,
        usedAt: AT,
      },
      sessions.sessionItem,
      sessions.sessionFromItem,
      ...['csess#cs_1', 'csess', 'connect_session', 1_700_003_601],
    ),
  );
  it(
    'OAuth state',
    codec(
      {
        state: 'st',
        sessionId: 'cs_1',
        integrationId: 'github',
        endUserId: 'u1',
        returnUrl: 'https://app.example/back',
        metadata: {},
        bindingHash: 'h',
        codeVerifier: 'v',
        redirectUri: 'https://hb.example/cb',
        scopes: ['openid'],
        expiresAt: 1_700_000_000_000,
      },
      sessions.stateItem,
      sessions.stateFromItem,
      ...['ostate#st', 'ostate', 'oauth_state', 1_700_003_600],
    ),
  );
  it(
    'api key',
    codec(
      { id: 'k1', name: 'ci', scopes: ['events:read'], hash: 'h', createdAt: AT },
      apiKeyItem,
      apiKeyFromItem,
      ...['apikey#k1', 'apikey', 'apikey', 'apikeys', `${AT}#k1`],
    ),
  );
  it('integration', () => {
    expect(INTEGRATION.pk('gh')).toBe('integration#gh');
    const rec = { id: 'gh', config: { type: 'oauth', provider: 'github', scopes: [], params: {} }, ...times };
    expect(integrationFromItem({ ...rec, kind: 'integration' })).toEqual(rec);
  });
  it('event: keys, body chunks, bus marker, and the core codec', () => {
    expect([EVENT.pk('evt_1'), EVENT.sk, EVENT.kind, EVENT.listPk(3), EVENT.listPk(15)]).toEqual([
      'event#evt_1',
      'event',
      'event',
      'events#03',
      'events#15',
    ]);
    // The shard is a stable hash of the id, in range, and spread evenly.
    expect(EVENT.shardOf('evt_1')).toBe(EVENT.shardOf('evt_1'));
    const counts = new Array(EVENT.shards).fill(0);
    for (let i = 0; i < 1600; i++) counts[EVENT.shardOf(`evt_${i}`)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
    expect(BODY_CHUNK.sk('0123456789abcdef0123', 2)).toBe('body#0123456789abcdef#0002');
    expect([BUS_MARKER.sk, BUS_MARKER.kind]).toEqual(['published#bus', 'bus_marker']);
    const record: EventRecord = {
      id: 'evt_1',
      provider: 'stripe',
      source: 'default',
      eventId: 'evt_src',
      type: 'invoice.paid',
      receivedAt: AT,
      bodySha256: 'ab',
      bodySize: 2,
      contentType: 'application/json',
      headers: { 'stripe-signature': 't=1' },
      matchedSecret: 1,
      flagged: 'body_mismatch',
    };
    expect(recordFromItem({ pk: 'event#evt_1', body: Buffer.from('x'), ttl: 1, ...record })).toEqual(record);
  });
});
