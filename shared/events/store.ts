import { EventStore } from '../adapters/dynamodb/events.js';
import { runtime } from '../runtime.js';

let cached: { store: EventStore; owner: object } | undefined;

/** The EventStore for the current runtime, built lazily (and rebuilt after resetRuntime()). */
export function eventStore(): EventStore {
  const rt = runtime();
  if (cached?.owner !== rt) {
    cached = {
      owner: rt,
      store: new EventStore(rt.ddb, rt.table, {
        retentionDays: rt.config.HOOKBRIDGE_EVENT_RETENTION_DAYS,
        now: () => rt.clock.now(),
      }),
    };
  }
  return cached.store;
}
