/** The connection events the app receives (`connection.created`, `.refresh_failed`, ...). */
import type { ConnectionDeps } from './deps.js';
import type { ConnectionRecord } from './model.js';

/** Every connection event type the app may receive (the event catalog, GET /event-types, lists these). */
export const CONNECTION_EVENT_TYPES = [
  'connection.created',
  'connection.recovered',
  'connection.refresh_failed',
  'connection.revoked',
] as const;
export type ConnectionEventType = (typeof CONNECTION_EVENT_TYPES)[number];

/** A failed publish is logged, never thrown: the connection change it reports is already stored. */
export async function publish(
  deps: Pick<ConnectionDeps, 'appEvents' | 'log'>,
  type: ConnectionEventType,
  c: Pick<ConnectionRecord, 'id' | 'integrationId' | 'provider' | 'endUserId'>,
  now: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  try {
    await deps.appEvents.publish({
      id: `${type}:${c.id}:${now}`,
      type,
      occurredAt: new Date(now).toISOString(),
      data: {
        connectionId: c.id,
        integrationId: c.integrationId,
        provider: c.provider,
        endUserId: c.endUserId,
        ...extra,
      },
    });
  } catch (err) {
    deps.log.error('app event not published', {
      type,
      connectionId: c.id,
      error: (err as Error).message,
    });
  }
}
