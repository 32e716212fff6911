/**
 * The app-event publisher: stores Hookbridge's own events (e.g. `connection.created`) as event
 * records of provider `hookbridge`, so they take the same stream -> events-process -> signed
 * delivery path as received webhooks. Publishing the same AppEvent.id twice stores it once.
 */
import { createHash } from 'node:crypto';
import type { AppEvent, AppEventPublisher } from '../events/app-events.js';
import { type EventRecord, eventIdFor } from '../events/record.js';
import { HOOKBRIDGE_PROVIDER } from '../payments/normalise.js';
import type { Clock, EventRepo } from '../ports/index.js';

export function storedAppEvents(events: Pick<EventRepo, 'put'>, clock: Clock): AppEventPublisher {
  return {
    async publish(event: AppEvent): Promise<void> {
      const body = Buffer.from(
        JSON.stringify({ id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data }),
      );
      const record: EventRecord = {
        id: eventIdFor(HOOKBRIDGE_PROVIDER, 'default', event.id),
        provider: HOOKBRIDGE_PROVIDER,
        source: 'default',
        eventId: event.id,
        type: event.type,
        occurredAt: event.occurredAt,
        receivedAt: new Date(clock.now()).toISOString(),
        bodySha256: createHash('sha256').update(body).digest('hex'),
        bodySize: body.length,
        contentType: 'application/json',
        headers: {},
        matchedSecret: 0,
      };
      await events.put(record, body);
    },
  };
}
