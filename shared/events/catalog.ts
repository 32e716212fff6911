/**
 * The event catalog (GET /event-types, the OpenAPI `webhooks` section, type-filter checks): every
 * type a destination can receive, derived from the models, never listed by hand. Normalised
 * payment types come from the NormalisedPaymentEvent union, `{provider}.raw` from the webhook
 * manifest, Hookbridge's own events from CONNECTION_EVENT_TYPES. Each has the JSON Schema of its
 * payload (generated from the zod model) and an example built from that schema.
 */
import * as z from 'zod/mini';
import { CONNECTION_EVENT_TYPES } from '../connections/app-events.js';
import { matchesTypeFilter } from '../delivery/schedule.js';
import { HookbridgeError } from '../errors.js';
import { MODEL_VERSION, NormalisedPaymentEvent, RawLink, RawProviderEvent } from '../payments/model.js';
import { WEBHOOK_PROVIDERS } from '../webhooks/manifest.js';

export type EventTypeKind = 'normalised' | 'raw' | 'hookbridge';

export interface EventTypeModel {
  type: string;
  kind: EventTypeKind;
  description: string;
  /** The payload's zod model (what a delivery's body parses as). */
  model: z.core.$ZodType;
}

type Json = Record<string, unknown>;

const unionOptions = (u: z.core.$ZodType) =>
  (u as unknown as { _zod: { def: { options: z.core.$ZodObject[] } } })._zod.def.options;
const literalType = (o: z.core.$ZodObject) =>
  String((o._zod.def.shape.type as unknown as { _zod: { def: { values: unknown[] } } })._zod.def.values[0]);

const ConnectionEventData = z.looseObject({
  connectionId: z.string(),
  integrationId: z.string(),
  provider: z.string(),
  endUserId: z.string(),
});

function models(): EventTypeModel[] {
  const normalised = unionOptions(NormalisedPaymentEvent).map((o) => ({
    type: literalType(o),
    kind: 'normalised' as const,
    description: `A normalised payment event (model version ${MODEL_VERSION}), the same shape from every provider`,
    model: o,
  }));
  const raw = WEBHOOK_PROVIDERS.map((provider) => ({
    type: `${provider}.raw`,
    kind: 'raw' as const,
    description: `A ${provider} event no mapper understands, delivered with the provider's payload as sent`,
    model: z.extend(RawProviderEvent, { type: z.literal(`${provider}.raw`), provider: z.literal(provider) }),
  }));
  const hookbridge = CONNECTION_EVENT_TYPES.map((type) => ({
    type,
    kind: 'hookbridge' as const,
    description: "Hookbridge's own event about a connection",
    model: z.object({
      type: z.literal(type),
      version: z.literal(MODEL_VERSION),
      provider: z.literal('hookbridge'),
      occurredAt: z.iso.datetime({ offset: true }),
      data: ConnectionEventData,
      raw: RawLink,
    }),
  }));
  return [...normalised, ...raw, ...hookbridge];
}

let cached: EventTypeModel[] | undefined;
/** Every event type, normalised first, then `{provider}.raw`, then Hookbridge's own. */
export const EVENT_TYPE_MODELS = (): readonly EventTypeModel[] => {
  cached ??= models();
  return cached;
};

export const knownEventTypes = (): string[] => EVENT_TYPE_MODELS().map((m) => m.type);

/** The payload's JSON Schema (draft 2020-12, as the API document uses). */
export const jsonSchemaOf = (m: EventTypeModel): Json => {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(m.model, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  }) as Json;
  return schema;
};

let catalog:
  | { type: string; kind: EventTypeKind; description: string; schema: Json; example: unknown }[]
  | undefined;

/** GET /event-types: each type with its JSON Schema and an example (built once per instance). */
export function eventTypeCatalog() {
  catalog ??= EVENT_TYPE_MODELS().map((m) => {
    const schema = jsonSchemaOf(m);
    return { type: m.type, kind: m.kind, description: m.description, schema, example: exampleOf(schema) };
  });
  return catalog;
}

const EXAMPLE_TIME = '2026-01-01T12:00:00.000Z';

/** A value that fits `schema`, with plausible strings by property name. */
export function exampleOf(schema: Json, name = ''): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const first = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (first?.[0]) return exampleOf(first[0], name);
  switch (schema.type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      if (
        !schema.properties &&
        schema.additionalProperties &&
        typeof schema.additionalProperties === 'object'
      )
        return { [name === 'ids' ? 'payment' : 'key']: exampleOf(schema.additionalProperties as Json, 'id') };
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, exampleOf(v, k)]));
    }
    case 'array':
      return schema.items ? [exampleOf(schema.items as Json, name)] : [];
    case 'integer':
      return 2000;
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'string':
      return exampleString(schema, name);
    default:
      return name === 'payload' ? { id: 'evt_1a2b3c', type: 'provider.specific_type' } : {};
  }
}

/** Plausible values for the model's common string fields (any other field gets a placeholder). */
const EXAMPLE_STRINGS: Record<string, string> = {
  currency: 'USD',
  href: '/events/evt_0a1b2c3d4e5f',
  eventId: 'evt_0a1b2c3d4e5f',
  provider: 'stripe',
  providerEventId: 'evt_1QxYz2AbCdEf',
  providerType: 'payment_intent.succeeded',
  status: 'succeeded',
  customerId: 'cus_123',
  failureReason: 'card_declined',
  reason: 'fraudulent',
};

function exampleString(schema: Json, name: string): string {
  if (schema.format === 'date-time') return EXAMPLE_TIME;
  const known = EXAMPLE_STRINGS[name];
  if (known) return known;
  if (/id$/i.test(name)) return `${name.replace(/Id$/, '') || 'obj'}_123`;
  return name || 'text';
}

/** Levenshtein distance (small strings: type filters are at most 100 characters). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** What a filter can be: every type, and every prefix of one (`payment.*`). */
const filterForms = (types: readonly string[]) => {
  const prefixes = types.flatMap((t) => {
    const parts = t.split('.');
    return parts.slice(1).map((_, i) => `${parts.slice(0, i + 1).join('.')}.*`);
  });
  return [...new Set([...types, ...prefixes, '*'])];
};

/** True when the filter (exact, `prefix.*` or `*`) matches at least one known type. */
export const filterMatchesKnownType = (filter: string, types = knownEventTypes()): boolean =>
  types.some((t) => matchesTypeFilter([filter], t));

/** The known type or prefix closest to a filter that matches none. */
export function closestFilter(filter: string, types = knownEventTypes()): string {
  let best = '*';
  let bestD = Number.POSITIVE_INFINITY;
  for (const f of filterForms(types)) {
    const d = distance(filter.toLowerCase(), f);
    if (d < bestD) [best, bestD] = [f, d];
  }
  return best;
}

/**
 * 400 invalid_request when a type filter matches no known type (a typo would otherwise match
 * nothing, silently), naming the closest known type or prefix.
 */
export function checkTypeFilters(field: string, filters: readonly string[]): void {
  for (const [i, f] of filters.entries()) {
    if (filterMatchesKnownType(f)) continue;
    const closest = closestFilter(f);
    const at = filters.length > 1 || field === 'types' ? `${field}[${i}]` : field;
    throw new HookbridgeError(
      'invalid_request',
      `${at}: "${f}" matches no event type (GET /event-types lists them); did you mean "${closest}"?`,
      { extensions: { field: at, closest } },
    );
  }
}
