import { DynamoEventRepo } from '../adapters/dynamodb/events.js';
import type { EventRepo } from '../ports/index.js';
import { runtime } from '../runtime.js';

let cached: { store: EventRepo; owner: object } | undefined;

/** The event store for the current runtime, built lazily (and rebuilt after resetRuntime()). */
export function eventStore(): EventRepo {
  const rt = runtime();
  if (cached?.owner !== rt) {
    cached = {
      owner: rt,
      store: new DynamoEventRepo(rt.ddb, rt.table, {
        retentionDays: rt.config.HOOKBRIDGE_EVENT_RETENTION_DAYS,
        now: () => rt.clock.now(),
      }),
    };
  }
  return cached.store;
}
