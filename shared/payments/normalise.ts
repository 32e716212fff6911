/**
 * Provider body -> what the app receives: normalised payment events where a mapper understands
 * the type, otherwise one `{provider}.raw` event carrying the provider's payload. Nothing is dropped.
 */
import type { EventRecord } from '../events/record.js';
import { MAPPERS } from '../webhooks/providers/mappers.gen.js';
import { rawLink } from './mapping.js';
import { type MappedEvent, MODEL_VERSION, type RawProviderEvent } from './model.js';

/** Provider slug -> payment mapper, from the webhook manifest (providers without one are raw-only). */
export { MAPPERS };

/** Hookbridge's own events (provider `hookbridge`, e.g. `connection.created`), delivered under their own type. */
export interface HookbridgeAppEvent {
  type: string;
  version: typeof MODEL_VERSION;
  provider: 'hookbridge';
  occurredAt: string;
  data: unknown;
  raw: ReturnType<typeof rawLink>;
}

export type Normalised =
  | { kind: 'payment'; events: MappedEvent[] }
  | { kind: 'raw'; event: RawProviderEvent }
  | { kind: 'app'; event: HookbridgeAppEvent };

export const HOOKBRIDGE_PROVIDER = 'hookbridge';

export function parseBody(body: Buffer, contentType?: string): unknown {
  const text = body.toString('utf8');
  if (contentType && !/json/i.test(contentType) && !/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function rawEvent(record: EventRecord, payload: unknown): RawProviderEvent {
  return {
    type: `${record.provider.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}.raw`,
    version: MODEL_VERSION,
    provider: record.provider,
    occurredAt: record.occurredAt ?? record.receivedAt,
    providerType: record.type,
    payload,
    raw: rawLink(record),
  };
}

/** Pure. A mapper that throws on a strange body is treated as "not mapped": the event goes raw. */
export function normalise(record: EventRecord, body: Buffer): Normalised {
  const payload = parseBody(body, record.contentType);
  if (record.provider === HOOKBRIDGE_PROVIDER) {
    const p = (payload ?? {}) as { data?: unknown };
    return {
      kind: 'app',
      event: {
        type: record.type,
        version: MODEL_VERSION,
        provider: HOOKBRIDGE_PROVIDER,
        occurredAt: record.occurredAt ?? record.receivedAt,
        data: p.data ?? payload,
        raw: rawLink(record),
      },
    };
  }
  const mapper = MAPPERS[record.provider];
  if (mapper) {
    try {
      const events = mapper({ record, body: payload });
      if (events.length) return { kind: 'payment', events };
    } catch {
      // fall through to raw
    }
  }
  return { kind: 'raw', event: rawEvent(record, payload) };
}
