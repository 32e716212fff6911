/** The destination routes' rules: create or update (keeping status and secret), delete (retiring its deliveries). */
import { randomBytes } from 'node:crypto';
import { HookbridgeError } from '../errors.js';
import { checkTypeFilters } from '../events/catalog.js';
import type { Page } from '../ports/stores.js';
import { breakerOf, type CircuitSettings, circuitView } from './circuit.js';
import type { DeliveryDeps } from './deps.js';
import { checkDestinationUrl } from './destination-url.js';
import { streamOf } from './pull.js';
import { generateDestinationSecret, isValidDestinationSecret } from './signing.js';
import type { Delivery, Destination, DestinationType } from './types.js';

export interface DestinationInput {
  type?: DestinationType | undefined;
  /** Required for (and only for) an http destination: the route's schema checks it. */
  url?: string | undefined;
  types: string[];
  secret?: string | undefined;
  enabled?: boolean | undefined;
  description?: string | undefined;
  /** Flow control: absent keeps the current setting, null removes it. */
  rateLimit?: { perSecond: number } | null | undefined;
  maxInFlight?: number | null | undefined;
  circuitBreaker?: CircuitSettings | null | undefined;
}

/** A flow-control setting after an update: absent keeps it, null removes it; a pull destination has none. */
const setting = <T>(given: T | null | undefined, current: T | undefined, type: DestinationType) =>
  type === 'pull' ? undefined : given === undefined ? current : (given ?? undefined);

/** Creates or replaces destination `id`; `created` tells a new one from an update. */
export async function saveDestination(
  deps: DeliveryDeps,
  id: string,
  body: DestinationInput,
): Promise<{ destination: Destination; created: boolean }> {
  if (body.secret !== undefined && !isValidDestinationSecret(body.secret))
    throw new HookbridgeError(
      'invalid_request',
      'secret: the key after whsec_ must be 24-64 bytes of base64',
    );
  checkTypeFilters('types', body.types);
  const type = body.type ?? 'http';
  // https only, no internal literal hosts (the send-time guard also checks resolved addresses).
  if (type === 'http') checkDestinationUrl(body.url ?? '', deps.testAllow);
  const existing = await deps.destinations.getDestination(id);
  const at = new Date(deps.clock.now()).toISOString();
  // Without `enabled`, an update keeps the status (a 410-disabled destination stays disabled).
  const enabled = body.enabled ?? (existing ? existing.status === 'enabled' : true);
  const destination: Destination = {
    id,
    type,
    url: type === 'http' ? body.url : undefined,
    types: [...new Set(body.types)],
    secret: body.secret ?? existing?.secret ?? generateDestinationSecret(),
    status: enabled ? 'enabled' : 'disabled',
    disabledReason: enabled
      ? undefined
      : body.enabled === undefined
        ? existing?.disabledReason
        : 'disabled by API',
    description: body.description,
    generation: existing ? existing.generation : randomBytes(8).toString('hex'),
    rateLimit: setting(body.rateLimit, existing?.rateLimit, type),
    maxInFlight: setting(body.maxInFlight, existing?.maxInFlight, type),
    circuitBreaker: setting(body.circuitBreaker, existing?.circuitBreaker, type),
    // Another url, or enabling it again, starts the breaker afresh; any other update keeps its state.
    circuit:
      existing && existing.url === body.url && !(enabled && existing.status === 'disabled')
        ? existing.circuit
        : undefined,
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
  await deps.destinations.putDestination(destination);
  deps.log.info('destination saved', { destinationId: id, type, types: destination.types.length });
  return { destination, created: !existing };
}

/** As the API shows a destination: one stored before pull destinations existed is `http`. */
const withType = (d: Destination): Destination => ({ ...d, type: d.type ?? 'http' });

/** What the destination routes answer: the breaker settings in force and its state, without its counters. */
export const destinationView = ({ circuit, ...d }: Destination) => ({
  ...withType(d),
  circuitBreaker: breakerOf(d.circuitBreaker),
  circuit: circuitView(circuit),
});

export async function getDestination(deps: DeliveryDeps, id: string): Promise<Destination> {
  const dest = await deps.destinations.getDestination(id);
  if (!dest) throw new HookbridgeError('not_found', `No destination ${id}`);
  return withType(dest);
}

/** GET /destinations: one page of destinations, by id. */
export async function listDestinations(
  deps: Pick<DeliveryDeps, 'destinations'>,
  q: { limit: number; cursor?: string | undefined },
): Promise<Page<Destination>> {
  const page = await deps.destinations.pageDestinations(q.limit, q.cursor);
  return { ...page, items: page.items.map(withType) };
}

/**
 * Deletes the destination; its pending deliveries die (destination_deleted) and its dead letters
 * leave the redrive list. Anything this misses (a crash, a send in flight) is stopped at send /
 * redrive time by the destination generation check.
 */
export async function deleteDestination(deps: DeliveryDeps, id: string): Promise<void> {
  const dest = await deps.destinations.getDestination(id);
  if (!(await deps.destinations.deleteDestination(id)))
    throw new HookbridgeError('not_found', `No destination ${id}`);
  // A pull destination's stream ends with it (its messages expire); one made again starts at 1.
  if (dest?.type === 'pull') await deps.pullMessages.dropStream(streamOf(dest));
  const at = new Date(deps.clock.now()).toISOString();
  for (const which of ['pending', 'dead'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.deliveries.listIndexedForDestination(id, which, cursor);
      for (const d of page.items) await deps.deliveries.retireForDeletedDestination(d, at);
      cursor = page.cursor;
    } while (cursor);
  }
}

/** GET /destinations/{id}/deliveries: its dead letters, or its pending (retrying) deliveries (a page per call). */
export async function destinationDeliveries(
  deps: DeliveryDeps,
  id: string,
  q: { status: 'pending' | 'dead'; limit: number; cursor?: string | undefined },
): Promise<Page<Delivery>> {
  await getDestination(deps, id);
  return deps.deliveries.listIndexedForDestination(id, q.status, q.cursor, q.limit);
}

/** What GET /destinations/{id}/deliveries shows of a delivery (no claim or generation bookkeeping). */
export const destinationDeliveryView = (d: Delivery) => ({
  eventId: d.eventId,
  part: d.part,
  webhookId: d.webhookId,
  type: d.type,
  status: d.status,
  round: d.round,
  attempts: d.attempts,
  ...(d.lastStatus === undefined ? {} : { lastStatus: d.lastStatus }),
  ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
  ...(d.nextAttemptAt === undefined ? {} : { nextAttemptAt: d.nextAttemptAt }),
  ...(d.deadReason === undefined ? {} : { deadReason: d.deadReason }),
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** GET /events/{id}/deliveries: each delivery with its attempts, oldest first. */
export async function eventDeliveries(deps: DeliveryDeps, eventId: string) {
  if (!(await deps.events.get(eventId))) throw new HookbridgeError('not_found', `No event ${eventId}`);
  const { deliveries, attempts } = await deps.deliveries.listForEvent(eventId);
  return deliveries.map((d) => ({
    destinationId: d.destinationId,
    part: d.part,
    webhookId: d.webhookId,
    type: d.type,
    status: d.status,
    round: d.round,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : undefined,
    deadReason: d.status === 'dead' ? d.deadReason : undefined,
    attempts: attempts
      .filter((a) => a.destinationId === d.destinationId && a.part === d.part)
      .map(({ eventId: _e, destinationId: _d, part: _p, ...a }) => a),
  }));
}
