/**
 * The item codecs and the key schema: every kind of record reads back as written, and its keys are
 * the exact strings already stored in deployed tables (a changed key orphans every item under it).
 */
import { describe, expect, it } from 'vitest';
import { apiKeyFromItem, apiKeyItem } from '../../shared/adapters/dynamodb/api-keys.js';
import { connectionFromItem, connectionItem } from '../../shared/adapters/dynamodb/connections.js';
import {
  attemptFromItem,
  attemptItem,
  deliveryFromItem,
  deliveryItem,
} from '../../shared/adapters/dynamodb/deliveries.js';
import { destinationFromItem, destinationItem } from '../../shared/adapters/dynamodb/destinations.js';
import { integrationFromItem } from '../../shared/adapters/dynamodb/integrations.js';
import { BODY_CHUNK, BUS_MARKER, EVENT, INTEGRATION } from '../../shared/adapters/dynamodb/keys.js';
import { objectFromItem, objectItem } from '../../shared/adapters/dynamodb/read-model.js';
import { replayFromItem, replayItem } from '../../shared/adapters/dynamodb/replays.js';
import {
  sessionFromItem,
  sessionItem,
  stateFromItem,
  stateItem,
} from '../../shared/adapters/dynamodb/sessions.js';
import type { ApiKeyRecord } from '../../shared/auth/api-keys.js';
import type { ConnectionRecord, ConnectSession, OAuthState } from '../../shared/connections/model.js';
import type {
  Delivery,
  DeliveryAttempt,
  Destination,
  ObjectState,
  ReplayJob,
} from '../../shared/delivery/types.js';
import { recordFromItem } from '../../shared/events/codec.js';
import type { EventRecord } from '../../shared/events/record.js';

const AT = '2026-03-01T12:00:00.000Z';
const keysOf = (item: Record<string, unknown>) =>
  Object.fromEntries(
    ['pk', 'sk', 'kind', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl']
      .filter((k) => item[k] !== undefined)
      .map((k) => [k, item[k]]),
  );

describe('item codecs', () => {
  it('destination', () => {
    const d: Destination = {
      id: 'orders',
      url: 'https://app.example/hooks',
      types: ['payment.*'],
      secret: 'whsec_x',
      status: 'disabled',
      disabledReason: 'receiver answered 410 Gone',
      generation: 'abc',
      createdAt: AT,
      updatedAt: AT,
    };
    const item = destinationItem(d);
    expect(keysOf(item)).toEqual({
      pk: 'dest#orders',
      sk: 'destination',
      kind: 'destination',
      gsi1pk: 'destinations',
      gsi1sk: 'orders',
    });
    expect(destinationFromItem(item)).toEqual(d);
  });

  it('delivery (pending, indexed for its destination) and attempt', () => {
    const d: Delivery = {
      eventId: 'evt_1',
      destinationId: 'orders',
      part: 1,
      webhookId: 'evt_1_1',
      type: 'payment.succeeded',
      status: 'pending',
      attempts: 2,
      round: 1,
      roundCause: 'rpl_1',
      destinationGeneration: 'abc',
      nextAttemptAt: AT,
      lastStatus: 500,
      createdAt: AT,
      updatedAt: AT,
    };
    const item = deliveryItem(d, 99);
    expect(keysOf(item)).toEqual({
      pk: 'event#evt_1',
      sk: 'delivery#orders#01',
      kind: 'delivery',
      gsi1pk: 'pending#orders',
      gsi1sk: `${AT}#evt_1#1`,
      ttl: 99,
    });
    expect(deliveryFromItem(item)).toEqual(d);
    expect(keysOf(deliveryItem({ ...d, status: 'delivered' }))).not.toHaveProperty('gsi1pk');

    const a: DeliveryAttempt = {
      eventId: 'evt_1',
      destinationId: 'orders',
      part: 1,
      round: 1,
      attempt: 2,
      at: AT,
      status: 503,
      latencyMs: 12,
      outcome: 'retry',
      responseExcerpt: 'busy',
      nextAttemptAt: AT,
    };
    const ai = attemptItem(a);
    expect(keysOf(ai)).toEqual({
      pk: 'event#evt_1',
      sk: 'delivery#orders#01#attempt#0001#02',
      kind: 'delivery_attempt',
    });
    expect(attemptFromItem(ai)).toEqual(a);
  });

  it('payment object (a subscription is listed under its customer)', () => {
    const s: ObjectState = {
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
      event: { type: 'subscription.updated' },
    };
    const item = objectItem(s);
    expect(keysOf(item)).toEqual({
      pk: 'payobj#stripe#subscription#sub_1',
      sk: 'state',
      kind: 'payment_object',
      gsi1pk: 'customer#cus_1',
      gsi1sk: 'subscription#stripe#sub_1',
      gsi2pk: 'payobj#subscription#sub_1',
      gsi2sk: 'stripe',
    });
    expect(objectFromItem(item)).toEqual(s);
  });

  it('replay job', () => {
    const job: ReplayJob = {
      id: 'rpl_1',
      status: 'running',
      from: AT,
      to: AT,
      provider: 'stripe',
      cursor: 'abc',
      pages: 3,
      eventsScanned: 70,
      deliveriesQueued: 5,
      createdAt: AT,
      updatedAt: AT,
    };
    const item = replayItem(job);
    expect(keysOf(item)).toEqual({ pk: 'replay#rpl_1', sk: 'replay', kind: 'replay' });
    expect(replayFromItem(item)).toEqual(job);
  });

  it('connection, connect session and OAuth state', () => {
    const c: ConnectionRecord = {
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
      createdAt: AT,
      updatedAt: AT,
    };
    const item = connectionItem(c);
    expect(keysOf(item)).toEqual({
      pk: 'conn#conn_1',
      sk: 'conn',
      kind: 'connection',
      gsi1pk: 'conn#user#u1',
      gsi1sk: 'github#conn_1',
      gsi2pk: 'connections',
      gsi2sk: 'github#needs_reauth#conn_1',
    });
    expect(connectionFromItem(item)).toEqual(c);

    const s: ConnectSession = {
      id: 'cs_1',
      integrationId: 'github',
      endUserId: 'u1',
      metadata: {},
      createdAt: AT,
      expiresAt: 1_700_000_000_500,
      usedAt: AT,
    };
    expect(keysOf(sessionItem(s))).toEqual({
      pk: 'csess#cs_1',
      sk: 'csess',
      kind: 'connect_session',
      ttl: 1_700_003_601,
    });
    expect(sessionFromItem(sessionItem(s))).toEqual(s);

    const st: OAuthState = {
      state: 'st',
      sessionId: 'cs_1',
      integrationId: 'github',
      endUserId: 'u1',
      returnUrl: 'https://app.example/back',
      metadata: {},
      bindingHash: 'h',
      codeVerifier: 'v',
      redirectUri: 'https://hb.example/oauth/callback',
      scopes: ['openid'],
      expiresAt: 1_700_000_000_000,
    };
    expect(keysOf(stateItem(st))).toEqual({
      pk: 'ostate#st',
      sk: 'ostate',
      kind: 'oauth_state',
      ttl: 1_700_003_600,
    });
    expect(stateFromItem(stateItem(st))).toEqual(st);
  });

  it('api key and integration', () => {
    const k: ApiKeyRecord = { id: 'k1', name: 'ci', scopes: ['events:read'], hash: 'h', createdAt: AT };
    const item = apiKeyItem(k);
    expect(keysOf(item)).toEqual({
      pk: 'apikey#k1',
      sk: 'apikey',
      kind: 'apikey',
      gsi1pk: 'apikeys',
      gsi1sk: `${AT}#k1`,
    });
    expect(apiKeyFromItem(item)).toEqual(k);
    expect(INTEGRATION.pk('gh')).toBe('integration#gh');
    const config = { type: 'oauth', provider: 'github', scopes: [], params: {} };
    expect(
      integrationFromItem({ id: 'gh', config, createdAt: AT, updatedAt: AT, kind: 'integration' }),
    ).toEqual({
      id: 'gh',
      config,
      createdAt: AT,
      updatedAt: AT,
    });
  });

  it('event: keys, body chunks, bus marker, and the core codec', () => {
    expect([EVENT.pk('evt_1'), EVENT.sk, EVENT.kind, EVENT.allPk, EVENT.providerPk('stripe')]).toEqual([
      'event#evt_1',
      'event',
      'event',
      'events',
      'events#stripe',
    ]);
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
