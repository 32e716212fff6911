import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS } from '../../shared/delivery/schedule.js';
import { decide, type PostOutcome } from '../../shared/delivery/send.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const half = () => 0.5;
const answered = (status: number, more: Partial<PostOutcome> = {}): PostOutcome => ({
  status,
  retryAfter: null,
  ...more,
});

describe('what a sent attempt leads to', () => {
  it.each([
    ['2xx', answered(204), 0, { kind: 'delivered' }],
    [
      'a refusal by the SSRF guard',
      answered(0, { blocked: 'x', error: 'blocked: x' }),
      0,
      { kind: 'blocked' },
    ],
    ['410 Gone', answered(410), 0, { kind: 'gone' }],
    ['5xx, first attempt', answered(500), 0, { kind: 'retry', lastError: 'HTTP 500', delaySec: 5 }],
    [
      'a network failure',
      answered(0, { error: 'connection failed' }),
      0,
      { kind: 'retry', lastError: 'connection failed', delaySec: 5 },
    ],
    [
      '429 asking for longer than the schedule',
      answered(429, { retryAfter: '60' }),
      0,
      { kind: 'retry', lastError: 'HTTP 429', delaySec: 60 },
    ],
    ['5xx, last attempt', answered(503), MAX_ATTEMPTS - 1, { kind: 'exhausted', lastError: 'HTTP 503' }],
  ] as const)('%s', (_name, result, attempt, expected) => {
    expect(decide(result, attempt, NOW, half)).toEqual(expected);
  });
});
