/**
 * What one stored event record may hold besides its body: the body has its own storage (inline or
 * chunked), but the provider's event id, its type and the kept headers share DynamoDB's 400 KB item
 * with it; and how deep the body may nest, so processing can always re-serialise it. A correctly
 * signed event over these limits is refused with 413 `payload_too_large` rather than failing the
 * write or its processing (a 5xx the provider would retry for days, or a record that never delivers).
 */
import { HookbridgeError } from '../errors.js';

export const EVENT_LIMITS = {
  /** UTF-8 bytes of the provider's event id. */
  eventIdBytes: 256,
  /** UTF-8 bytes of the event type. */
  typeBytes: 256,
  /** UTF-8 bytes of the kept headers, names and values together. */
  headerBytes: 32 * 1024,
  /** Nested arrays and objects in the body (JSON.stringify overflows the stack near 6,000). */
  bodyDepth: 64,
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

const [QUOTE, BACKSLASH, OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [
  0x22, 0x5c, 0x5b, 0x7b, 0x5d, 0x7d,
];

/** The detail when `body` opens more than EVENT_LIMITS.bodyDepth brackets at once (outside strings); one pass, no parse. */
export function bodyTooDeep(body: Buffer): string | undefined {
  // Depth never exceeds the brackets opened: with few enough in all (counted natively), no scan.
  if (opensAtMost(body, EVENT_LIMITS.bodyDepth)) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > EVENT_LIMITS.bodyDepth)
        return `The event body nests deeper than ${EVENT_LIMITS.bodyDepth} levels`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return undefined;
}

/** Whether `body` holds at most `max` opening brackets (in strings or not). */
function opensAtMost(body: Buffer, max: number): boolean {
  let opens = 0;
  for (const b of [OPEN_ARRAY, OPEN_OBJECT])
    for (let i = body.indexOf(b); i >= 0; i = body.indexOf(b, i + 1)) if (++opens > max) return false;
  return true;
}

export const recordTooLarge = (detail: string): HookbridgeError =>
  new HookbridgeError('payload_too_large', detail);
