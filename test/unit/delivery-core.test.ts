import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { FUNCTION_SETTINGS } from '../../infra/functions.js';
import { QUEUE_SETTINGS } from '../../infra/local/queue.js';
import { passesStreamFilter } from '../../infra/stream.js';
import { checkDestinationUrl } from '../../shared/delivery/destination-url.js';
import { PUBLICATION_LEASE_MS } from '../../shared/delivery/process.js';
import {
  MAX_ATTEMPTS,
  matchesTypeFilter,
  nextDelaySec,
  parseRetryAfter,
  RETRY_AFTER_CAP_SEC,
  RETRY_SCHEDULE_SEC,
  retryDelaySec,
} from '../../shared/delivery/schedule.js';
import { CLAIM_LEASE_MS } from '../../shared/delivery/send.js';
import {
  generateDestinationSecret,
  isValidDestinationSecret,
  signStandardWebhook,
} from '../../shared/delivery/signing.js';
import type { HookbridgeError } from '../../shared/errors.js';
import { nodeTransport } from '../../shared/outbound/transport.js';

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
  it('never waits less than the schedule: a short Retry-After does not burn the attempts', () => {
    expect(nextDelaySec(0, { status: 429, retryAfter: '1' }, 0, () => 0.5)).toBe(5);
    expect(nextDelaySec(1, { status: 503, retryAfter: '0' }, 0, () => 0.5)).toBe(300);
    // Past the cap the schedule still rules (a 10 h step is not cut to the 1 h cap).
    expect(nextDelaySec(5, { status: 429, retryAfter: '999999' }, 0, () => 0.5)).toBe(36000);
    // Eight 429s with Retry-After: 1 take the whole schedule (~28 h), not ~8 s.
    let total = 0;
    for (let a = 0; a < MAX_ATTEMPTS - 1; a++)
      total += nextDelaySec(a, { status: 429, retryAfter: '1' }, 0, () => 0.5)!;
    expect(total).toBe(RETRY_SCHEDULE_SEC.reduce<number>((x, y) => x + y, 0));
  });
  it('claim leases equal the function timeouts, and redelivery comes after a claim went stale', () => {
    expect(CLAIM_LEASE_MS).toBe(FUNCTION_SETTINGS['deliveries-send']!.timeoutSec * 1000);
    expect(PUBLICATION_LEASE_MS).toBe(FUNCTION_SETTINGS['events-process']!.timeoutSec * 1000);
    expect(QUEUE_SETTINGS.visibilityTimeoutSec * 1000).toBeGreaterThan(CLAIM_LEASE_MS);
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

describe('destination URL check (PUT)', () => {
  const allow = new Set(['127.0.0.1:4010', 'localhost:4011']);
  const reason = (url: string, testAllow: ReadonlySet<string> = new Set()) => {
    try {
      checkDestinationUrl(url, testAllow);
      return 'ok';
    } catch (err) {
      expect((err as HookbridgeError).code).toBe('invalid_request');
      return (err as HookbridgeError).extensions?.reason;
    }
  };
  it('accepts public https hosts and exact allow-listed test hosts only', () => {
    expect(reason('https://hooks.example.com/x')).toBe('ok');
    expect(reason('https://93.184.216.34:8443/x')).toBe('ok');
    expect(reason('http://127.0.0.1:4010/x', allow)).toBe('ok');
    expect(reason('http://localhost:4011/x', allow)).toBe('ok');
    expect(reason('http://127.0.0.1:4012/x', allow)).toBe('scheme');
    expect(reason('https://127.0.0.1:4012/x', allow)).toBe('loopback');
  });
  it('refuses every spelling of internal addresses and internal names', () => {
    expect(reason('https://2130706433/')).toBe('loopback');
    expect(reason('https://0177.0.0.1/')).toBe('loopback');
    expect(reason('https://[::ffff:a9fe:a9fe]/')).toBe('metadata');
    expect(reason('https://[fd00:ec2::254]/')).toBe('metadata');
    expect(reason('https://172.16.5.4/')).toBe('private');
    expect(reason('https://[fc00::1]/')).toBe('unique-local');
    expect(reason('https://0.0.0.0/')).toBe('this-network');
    expect(reason('https://app.localhost/')).toBe('internal-name');
    expect(reason('https://db.internal./')).toBe('internal-name');
  });
});

describe('pinned transport, truncating', () => {
  it('keeps the status and the first bytes of a large answer instead of failing', async () => {
    const server = createServer((_req, res) => res.writeHead(201).end('x'.repeat(100_000)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const res = await nodeTransport({
        url: new URL(`http://anything.test:${port}/`),
        method: 'POST',
        headers: {},
        body: Buffer.from('{}'),
        pinned: { address: '127.0.0.1', family: 4 },
        connectTimeoutMs: 1000,
        deadline: Date.now() + 5000,
        maxResponseBytes: 2048,
        truncateResponse: true,
      });
      expect(res.status).toBe(201);
      expect(res.body.length).toBe(2048);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
