import adyenLib from '@adyen/api-library';
import { describe, expect, it } from 'vitest';
import { verifyAdyenSignature } from '../../../shared/webhooks/providers/adyen/verify.js';
import type { VerifyInput } from '../../../shared/webhooks/types.js';

const KEY_A = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const KEY_B = '9A3F1C2B4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8';

const item = (psp: string) => ({
  amount: { value: 1130, currency: 'EUR' },
  pspReference: psp,
  eventCode: 'AUTHORISATION',
  eventDate: '2025-12-31T23:59:30+01:00',
  merchantAccountCode: 'HookbridgeECOM',
  merchantReference: `order-${psp}`,
  originalReference: '',
  success: 'true',
});

/** Signed by Adyen's own SDK. */
const signed = (rec: ReturnType<typeof item>, hexKey: string) => ({
  NotificationRequestItem: {
    ...rec,
    additionalData: { hmacSignature: new adyenLib.hmacValidator().calculateHmac(rec as never, hexKey) },
  },
});

const input = (items: unknown[], secrets: string[]): VerifyInput => ({
  rawBody: Buffer.from(JSON.stringify({ live: 'false', notificationItems: items })),
  headers: { 'content-type': 'application/json' },
  url: 'https://hooks.example.com/webhooks/adyen',
  secrets,
  config: {},
  now: Date.parse('2026-01-01T00:00:00Z'),
  toleranceSec: 300,
});

describe('Adyen batches', () => {
  it('accepts a batch whose items all verify with one key, and records that key', () => {
    const r = verifyAdyenSignature(
      input([signed(item('P1'), KEY_B), signed(item('P2'), KEY_B)], [KEY_A, KEY_B]),
    );
    expect(r).toMatchObject({ ok: true, eventId: 'AUTHORISATION:P1,AUTHORISATION:P2', matchedSecret: 1 });
  });

  it('refuses a batch whose items verify only with different keys', () => {
    const r = verifyAdyenSignature(
      input([signed(item('P1'), KEY_A), signed(item('P2'), KEY_B)], [KEY_A, KEY_B]),
    );
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a batch where one item is unsigned by any key', () => {
    const r = verifyAdyenSignature(
      input([signed(item('P1'), KEY_A), signed(item('P2'), KEY_A.replace('4', '5'))], [KEY_A]),
    );
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});
