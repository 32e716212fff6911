import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { passesStreamFilter } from '../../infra/stream.js';
import {
  MAX_ATTEMPTS,
  matchesTypeFilter,
  nextDelaySec,
  parseRetryAfter,
  RETRY_AFTER_CAP_SEC,
  RETRY_SCHEDULE_SEC,
  retryDelaySec,
} from '../../shared/delivery/schedule.js';
import {
  generateDestinationSecret,
  isValidDestinationSecret,
  signStandardWebhook,
} from '../../shared/delivery/signing.js';

describe('Standard Webhooks signing', () => {
  it('produces headers the standardwebhooks library verifies', () => {
    const secret = generateDestinationSecret();
    expect(isValidDestinationSecret(secret)).toBe(true);
    const body = JSON.stringify({ type: 'payment.succeeded', data: { a: 1 } });
    const now = Math.floor(Date.now() / 1000);
    const headers = signStandardWebhook(secret, 'evt_abc', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'payment.succeeded', data: { a: 1 } });
    expect(() => new Webhook(generateDestinationSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
  it('rejects malformed secrets', () => {
    expect(isValidDestinationSecret('abc')).toBe(false);
    expect(isValidDestinationSecret('whsec_c2hvcnQ=')).toBe(false);
  });
});

describe('retry schedule', () => {
  it('follows 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with ±10 % jitter', () => {
    expect(RETRY_SCHEDULE_SEC).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(retryDelaySec(0, () => 0.99)).toBe(0);
    expect(retryDelaySec(2, () => 0)).toBe(270);
    expect(retryDelaySec(2, () => 1)).toBe(330);
    expect(retryDelaySec(2, () => 0.5)).toBe(300);
  });
  it('stops after the last attempt', () => {
    expect(nextDelaySec(MAX_ATTEMPTS - 2, { status: 500 }, 0, () => 0.5)).toBe(36000);
    expect(nextDelaySec(MAX_ATTEMPTS - 1, { status: 500 }, 0, () => 0.5)).toBeUndefined();
  });
  it('honours Retry-After on 429/503 with a cap, as seconds or an HTTP date', () => {
    expect(nextDelaySec(0, { status: 429, retryAfter: '120' }, 0)).toBe(120);
    expect(nextDelaySec(0, { status: 429, retryAfter: '999999' }, 0)).toBe(RETRY_AFTER_CAP_SEC);
    expect(nextDelaySec(0, { status: 503, retryAfter: 'Thu, 01 Jan 1970 00:01:00 GMT' }, 0)).toBe(60);
    expect(nextDelaySec(0, { status: 429, retryAfter: 'soon' }, 0, () => 0.5)).toBe(5);
    expect(nextDelaySec(0, { status: 500, retryAfter: '120' }, 0, () => 0.5)).toBe(5);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
  it('matches type filters', () => {
    expect(matchesTypeFilter([], 'x.y')).toBe(true);
    expect(matchesTypeFilter(['*'], 'x.y')).toBe(true);
    expect(matchesTypeFilter(['payment.*'], 'payment.succeeded')).toBe(true);
    expect(matchesTypeFilter(['payment.*'], 'paymentx.succeeded')).toBe(false);
    expect(matchesTypeFilter(['invoice.paid'], 'invoice.payment_failed')).toBe(false);
  });
});

describe('stream filter', () => {
  const rec = (eventName: string, kind: string) => ({
    eventName,
    dynamodb: { NewImage: { kind: { S: kind } } },
  });
  it('passes only inserted event records', () => {
    expect(passesStreamFilter(rec('INSERT', 'event'))).toBe(true);
    expect(passesStreamFilter(rec('MODIFY', 'event'))).toBe(false);
    expect(passesStreamFilter(rec('INSERT', 'event_body'))).toBe(false);
    expect(passesStreamFilter(rec('INSERT', 'delivery'))).toBe(false);
    expect(passesStreamFilter({ eventName: 'REMOVE', dynamodb: {} })).toBe(false);
  });
});
