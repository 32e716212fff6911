import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS, recordOverLimit } from '../../shared/webhooks/limits.js';

describe('recordOverLimit', () => {
  it('passes a record at the limits and names the first limit broken', () => {
    const at = 'a'.repeat(EVENT_LIMITS.eventIdBytes);
    expect(recordOverLimit(at, 't'.repeat(EVENT_LIMITS.typeBytes), { 'x-a': 'v' })).toBeUndefined();
    expect(recordOverLimit(`${at}a`, 'x', {})).toBe('The event id is over 256 bytes');
    // Bytes, not characters: 129 two-byte characters are over 256 bytes.
    expect(recordOverLimit('é'.repeat(129), 'x', {})).toBe('The event id is over 256 bytes');
    expect(recordOverLimit('id', 't'.repeat(257), {})).toBe('The event type is over 256 bytes');
    expect(recordOverLimit('id', undefined, { a: 'p'.repeat(EVENT_LIMITS.headerBytes - 1) })).toBeUndefined();
    expect(recordOverLimit('id', undefined, { a: 'p'.repeat(EVENT_LIMITS.headerBytes) })).toBe(
      'The request headers are over 32768 bytes in all',
    );
  });
});
