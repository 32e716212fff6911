/**
 * Runs provider webhook bodies through the real normaliser and the read model's write rule
 * (shared/delivery/process.ts on the in-memory read model, which the store contract test holds
 * equal to the DynamoDB adapter), in the order given, and returns the final object states.
 */
import { applyReadModel, partsOf } from '../../shared/delivery/process.js';
import type { ObjectState } from '../../shared/delivery/types.js';
import type { EventRecord } from '../../shared/events/record.js';
import { MemoryReadModelRepo } from './memory-stores.js';

export interface ProviderDelivery {
  type: string;
  body: unknown;
}

/** A stored webhook record of `provider`/`type` for the normaliser (the mapper tests use it too). */
export const paymentRecord = (
  provider: string,
  type: string,
  extra: Partial<EventRecord> = {},
): EventRecord => ({
  id: 'evt_test',
  provider,
  source: 'default',
  eventId: 'pe_1',
  type,
  receivedAt: '2026-01-01T00:00:00.000Z',
  bodySha256: 'x',
  bodySize: 1,
  contentType: 'application/json',
  headers: {},
  matchedSecret: 0,
  ...extra,
});

const record = (provider: string, type: string, n: number): EventRecord =>
  paymentRecord(provider, type, { id: `evt_seq_${n}`, eventId: `pe_${n}` });

/** The final state of every object the deliveries touched, keyed `objectType/objectId`. */
export async function finalStates(
  provider: string,
  deliveries: ProviderDelivery[],
): Promise<Record<string, ObjectState>> {
  const readModel = new MemoryReadModelRepo();
  const result = { applied: 0, stale: 0 };
  for (const [n, d] of deliveries.entries()) {
    const r = record(provider, d.type, n);
    await applyReadModel(
      { readModel },
      r,
      partsOf(r, Buffer.from(JSON.stringify(d.body))),
      r.receivedAt,
      result,
    );
  }
  return Object.fromEntries([...readModel.items.values()].map((s) => [`${s.objectType}/${s.objectId}`, s]));
}

/** The final `lastType` (and status) per object, for both delivery orders of a sequence. */
export async function bothOrders(provider: string, deliveries: ProviderDelivery[]) {
  const summary = async (ds: ProviderDelivery[]) =>
    Object.fromEntries(
      Object.entries(await finalStates(provider, ds)).map(([k, s]) => [
        k,
        { type: s.lastType, status: s.status },
      ]),
    );
  return { forward: await summary(deliveries), reversed: await summary([...deliveries].reverse()) };
}

/** The normalised events of one provider body (empty when it goes raw). */
export function mapped(provider: string, type: string, body: unknown) {
  const r = record(provider, type, 0);
  return partsOf(r, Buffer.from(JSON.stringify(body)))
    .filter((p) => p.order !== undefined)
    .map((p) => ({ event: p.payload as Record<string, unknown> & { type: string }, order: p.order! }));
}
