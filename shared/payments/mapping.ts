import type { EventRecord } from '../events/record.js';
import {
  type MappedEvent,
  MODEL_VERSION,
  NormalisedPaymentEvent,
  type ObjectType,
  type PaymentType,
} from './model.js';
import { ids, type OrderBasis, obj, orderKey, stateRank } from './util.js';

export interface MapperInput {
  record: EventRecord;
  /** Parsed JSON body, or the body text when it is not JSON (Braintree's form body). */
  body: unknown;
}

/** A pure mapper: provider body -> zero or more normalised events. Zero means "deliver as raw". */
export type Mapper = (input: MapperInput) => MappedEvent[];

export interface Draft {
  type: PaymentType;
  object: { type: ObjectType; id: string | undefined };
  occurredAt: string | undefined;
  /**
   * The provider's ordering basis for this object: one kind of basis per object kind and
   * provider (docs/payments.md); undefined means the event time.
   */
  order: OrderBasis | undefined;
  fields: Record<string, unknown>;
}

/** What a mapper's draft helper takes: the normalised type, the object's type and id, and the fields. */
export type DraftArgs = [
  type: PaymentType,
  objectType: ObjectType,
  id: unknown,
  fields: Record<string, unknown>,
];

/** A draft's time and ordering basis when the provider orders by its event time. */
export const byEventTime = (occurredAt: string | undefined): Pick<Draft, 'occurredAt' | 'order'> => ({
  occurredAt,
  order: occurredAt ? { timeIso: occurredAt } : undefined,
});

export const rawLink = (record: EventRecord) => ({
  eventId: record.id,
  provider: record.provider,
  providerEventId: record.eventId,
  providerType: record.type,
  href: `/events/${record.id}`,
});

/** Completes and validates a draft; a draft that does not fit the schema yields nothing (-> raw). */
export function finish(input: MapperInput, draft: Draft): MappedEvent[] {
  const { record } = input;
  const occurredAt = draft.occurredAt ?? record.occurredAt ?? record.receivedAt;
  if (!draft.object.id) return [];
  const candidate = {
    ...draft.fields,
    type: draft.type,
    version: MODEL_VERSION,
    provider: record.provider,
    occurredAt,
    object: { type: draft.object.type, id: draft.object.id },
    ids: ids(obj(draft.fields.ids)),
    raw: rawLink(record),
  };
  for (const k of Object.keys(candidate) as (keyof typeof candidate)[])
    if (candidate[k] === undefined) delete candidate[k];
  const parsed = NormalisedPaymentEvent.safeParse(candidate);
  if (!parsed.success) return [];
  const basis = draft.order ?? { timeIso: occurredAt };
  return [{ event: parsed.data, order: orderKey(basis, stateRank(draft.type, parsed.data.status)) }];
}
