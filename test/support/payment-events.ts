/**
 * The part-B payment tests' view of test/support/payment-sequence.ts: one delivery names its
 * provider, and a sequence's final object state is read for both delivery orders.
 */
import type { ObjectState } from '../../shared/delivery/types.js';
import type { NormalisedPaymentEvent } from '../../shared/payments/model.js';
import { finalStates, mapped as mappedOf } from './payment-sequence.js';

export interface Delivery {
  provider: string;
  type: string;
  /** JSON value, or the form text (Braintree). */
  body: unknown;
}

/** The normalised events of one body; fails when the body goes raw. */
export function mapped(d: Delivery) {
  const all = mappedOf(d.provider, d.type, d.body);
  if (!all.length) throw new Error(`${d.provider} ${d.type}: expected a payment event, got raw`);
  return all.map((m) => ({ ...m, event: m.event as unknown as NormalisedPaymentEvent }));
}

/** The one normalised event of a body. */
export function event(d: Delivery): NormalisedPaymentEvent {
  const all = mapped(d);
  if (all.length !== 1) throw new Error(`${d.type}: expected one event, got ${all.length}`);
  return all[0]!.event;
}

/** The event of one type among a body's normalised events. */
export function eventOf(d: Delivery, type: NormalisedPaymentEvent['type']): NormalisedPaymentEvent {
  const hit = mapped(d).find((m) => m.event.type === type);
  if (!hit) throw new Error(`${d.type}: no ${type} among ${mapped(d).map((m) => m.event.type)}`);
  return hit.event;
}

/** `payment` when a mapper understands the body, `raw` when it is delivered as `{provider}.raw`. */
export const kindOf = (d: Delivery) => (mappedOf(d.provider, d.type, d.body).length ? 'payment' : 'raw');

/** One object's final read-model state (`objectType/objectId`) after the deliveries: [in order, reversed]. */
export async function bothOrders(ds: Delivery[], key: string): Promise<[ObjectState?, ObjectState?]> {
  const provider = ds[0]!.provider;
  const forward = await finalStates(provider, ds);
  const reversed = await finalStates(provider, [...ds].reverse());
  return [forward[key], reversed[key]];
}
