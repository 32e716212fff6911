/** The event catalog: derived from the models (nothing listed by hand), examples that fit, filter typos named. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CONNECTION_EVENT_TYPES } from '../../shared/connections/app-events.js';
import { HookbridgeError } from '../../shared/errors.js';
import {
  checkTypeFilters,
  closestFilter,
  EVENT_TYPE_MODELS,
  eventTypeCatalog,
  filterMatchesKnownType,
  knownEventTypes,
} from '../../shared/events/catalog.js';
import { PAYMENT_TYPES } from '../../shared/payments/model.js';
import { rawEvent } from '../../shared/payments/normalise.js';
import { WEBHOOK_PROVIDERS } from '../../shared/webhooks/manifest.js';

describe('event catalog', () => {
  it('lists every normalised type, every {provider}.raw and every Hookbridge event, once', () => {
    const types = knownEventTypes();
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual([
      ...PAYMENT_TYPES,
      ...WEBHOOK_PROVIDERS.map((p) => `${p}.raw`),
      ...CONNECTION_EVENT_TYPES,
    ]);
  });

  it('each example fits its own model, and the schema says what the model says', () => {
    const catalog = eventTypeCatalog();
    expect(catalog).toHaveLength(EVENT_TYPE_MODELS().length);
    for (const [i, entry] of catalog.entries()) {
      const parsed = z.safeParse(EVENT_TYPE_MODELS()[i]!.model, entry.example);
      expect(parsed.success, `${entry.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(entry.example).toMatchObject({ type: entry.type, version: 1 });
      expect(entry.schema).toMatchObject({ type: 'object', properties: { type: { const: entry.type } } });
      expect(entry.schema.$schema).toBeUndefined();
    }
    const paid = catalog.find((e) => e.type === 'payment.succeeded')!;
    expect(paid.kind).toBe('normalised');
    expect((paid.schema.required as string[]).sort()).toEqual(
      ['amount', 'ids', 'object', 'occurredAt', 'provider', 'raw', 'type', 'version'].sort(),
    );
    expect(paid.example).toMatchObject({ amount: { amount: 2000, currency: 'USD' } });
  });

  it('a raw event the pipeline makes fits its catalog model', () => {
    const record = {
      id: 'evt_0a1b2c3d4e5f',
      provider: 'paddle',
      source: 'default',
      eventId: 'ntf_1',
      type: 'adjustment.created',
      receivedAt: '2026-01-01T00:00:00.000Z',
    } as Parameters<typeof rawEvent>[0];
    const model = EVENT_TYPE_MODELS().find((m) => m.type === 'paddle.raw')!.model;
    expect(z.safeParse(model, rawEvent(record, { anything: [1, 2] })).success).toBe(true);
  });

  it('accepts a filter that matches a known type, and names the closest for one that does not', () => {
    for (const f of [
      '*',
      'payment.*',
      'payment.succeeded',
      'stripe.raw',
      'connection.*',
      'invoice.payment_failed',
    ])
      expect(filterMatchesKnownType(f), f).toBe(true);
    for (const f of ['paymnt.*', 'payment.succeded', 'strip.raw', 'nothing.matches', 'payment.succeeded.*'])
      expect(filterMatchesKnownType(f), f).toBe(false);
    expect(closestFilter('paymnt.*')).toBe('payment.*');
    expect(closestFilter('payment.succeded')).toBe('payment.succeeded');
    expect(closestFilter('strip.raw')).toBe('stripe.raw');
    expect(closestFilter('Subscription.Canceled')).toBe('subscription.canceled');
  });

  it('checkTypeFilters throws a 400 naming the field, the filter and the closest type', () => {
    expect(() => checkTypeFilters('types', ['payment.*', 'connection.created'])).not.toThrow();
    let err: unknown;
    try {
      checkTypeFilters('types', ['payment.*', 'paymnt.*']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HookbridgeError);
    expect(err).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message:
        'types[1]: "paymnt.*" matches no event type (GET /event-types lists them); did you mean "payment.*"?',
      extensions: { field: 'types[1]', closest: 'payment.*' },
    });
  });
});
