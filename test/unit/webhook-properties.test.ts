import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../shared/webhooks/catalog.js';
import { isoFromEpochSec } from '../../shared/webhooks/crypto.js';
import type { VerifyResult } from '../../shared/webhooks/types.js';
import { b64, bodies, headers } from '../webhook-arbitraries.js';

const secrets = fc.array(
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('whsec_', 'whpk_', 'whpk_AAAA', 'zz', '00'),
    b64.map((b) => `whsec_${b}`),
  ),
  { maxLength: 3 },
);
const REASONS = [
  'missing_signature',
  'malformed_header',
  'bad_signature',
  'stale_timestamp',
  'future_timestamp',
  'invalid_payload',
];

describe('verifiers never throw on arbitrary input', () => {
  for (const scheme of Object.values(PROVIDERS)) {
    it(scheme.slug, async () => {
      await fc.assert(
        fc.asyncProperty(
          headers,
          bodies,
          secrets,
          fc.oneof(
            fc.constant('https://h.example/webhooks/x'),
            fc.webUrl({ withQueryParameters: true }),
            fc.string(),
          ),
          fc.integer({ min: 0, max: 4_000_000_000_000 }),
          async (h, body, s, url, now) => {
            const r: VerifyResult = await scheme.verify({
              rawBody: body,
              headers: h,
              url,
              secrets: s,
              config: { publicKey: 'pk', notificationUrl: url },
              now,
              toleranceSec: 300,
            });
            if (!r.ok) expect(REASONS).toContain(r.reason);
            else {
              expect(typeof r.eventId).toBe('string');
              expect(r.matchedSecret).toBeGreaterThanOrEqual(0);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

describe('isoFromEpochSec', () => {
  it('agrees with Date#toISOString over the whole range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (n) => {
        expect(isoFromEpochSec(n)).toBe(new Date(n * 1000).toISOString());
        expect(isoFromEpochSec(String(n))).toBe(new Date(n * 1000).toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const bad of [-1, 1.5, 'abc', '', null, 253_402_300_800, Number.NaN])
      expect(isoFromEpochSec(bad)).toBeUndefined();
  });
});
