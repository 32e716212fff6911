/**
 * What one stored event record may hold besides its body: the body has its own storage (inline or
 * chunked), but the provider's event id, its type and the kept headers share DynamoDB's 400 KB item
 * with it. A correctly signed event over these limits is refused with 413 `payload_too_large`
 * rather than failing the write (a 5xx the provider would retry for days).
 */
import { HookbridgeError } from '../errors.js';

export const EVENT_LIMITS = {
  /** UTF-8 bytes of the provider's event id. */
  eventIdBytes: 256,
  /** UTF-8 bytes of the event type. */
  typeBytes: 256,
  /** UTF-8 bytes of the kept headers, names and values together. */
  headerBytes: 32 * 1024,
} as const;

const bytes = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** The first limit the record breaks, as the problem's detail; undefined when it fits. */
export function recordOverLimit(
  eventId: string,
  type: string | undefined,
  headers: Record<string, string>,
): string | undefined {
  if (bytes(eventId) > EVENT_LIMITS.eventIdBytes)
    return `The event id is over ${EVENT_LIMITS.eventIdBytes} bytes`;
  if (bytes(type) > EVENT_LIMITS.typeBytes) return `The event type is over ${EVENT_LIMITS.typeBytes} bytes`;
  let total = 0;
  for (const [k, v] of Object.entries(headers)) total += bytes(k) + bytes(v);
  if (total > EVENT_LIMITS.headerBytes)
    return `The request headers are over ${EVENT_LIMITS.headerBytes} bytes in all`;
  return undefined;
}

export const recordTooLarge = (detail: string): HookbridgeError =>
  new HookbridgeError('payload_too_large', detail);
