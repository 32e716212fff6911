import fc from 'fast-check';

/** fast-check arbitraries for webhook requests: real header names, half-right values, noise. */
export const SIGNATURE_HEADERS = [
  'stripe-signature',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-hub-signature-256',
  'x-github-delivery',
  'x-github-event',
  'x-shopify-hmac-sha256',
  'x-shopify-webhook-id',
  'x-square-hmacsha256-signature',
  'paddle-signature',
  'x-razorpay-signature',
  'x-razorpay-event-id',
  'x-signature',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'x-twilio-signature',
  'content-type',
];

const hex = fc.stringMatching(/^[0-9a-f]{0,80}$/);
export const b64 = fc.base64String({ maxLength: 60 });
/** Header values shaped like the real ones, half-right, and plain noise. */
export const headerValue = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.constantFrom('', ' ', ',', ';', '=', 'v1,', 'v1a,', 't=', 'sha256=', 'v0=', 'ts=;h1='),
  fc.tuple(fc.integer({ min: -1, max: 3_000_000_000 }), hex).map(([t, h]) => `t=${t},v1=${h},v0=${h}`),
  fc.tuple(fc.integer(), hex).map(([t, h]) => `ts=${t};h1=${h}`),
  hex.map((h) => `sha256=${h}`),
  hex.map((h) => `v0=${h}`),
  b64.map((b) => `v1,${b} v1a,${b}`),
  fc.integer({ min: 0, max: 3_000_000_000 }).map(String),
  b64,
  hex,
);
export const headers = fc.dictionary(
  fc.oneof(fc.constantFrom(...SIGNATURE_HEADERS), fc.string({ minLength: 1, maxLength: 20 })),
  headerValue,
  { maxKeys: 12 },
);
const adyenish = fc
  .record({
    pspReference: fc.oneof(fc.string(), fc.integer()),
    amount: fc.oneof(fc.constant(null), fc.record({ value: fc.integer(), currency: fc.string() })),
    additionalData: fc.oneof(fc.constant(null), fc.record({ hmacSignature: fc.oneof(b64, fc.integer()) })),
  })
  .map((item) => JSON.stringify({ notificationItems: [{ NotificationRequestItem: item }, null, 1] }));
export const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.json().map((j) => Buffer.from(j)),
  adyenish.map((s) => Buffer.from(s)),
  fc
    .dictionary(
      fc.constantFrom('bt_signature', 'bt_payload', 'Body', 'a'),
      fc.oneof(
        fc.string(),
        b64.map((b) => `pk|${b}&x`),
      ),
    )
    .map((d) => Buffer.from(new URLSearchParams(d).toString())),
);
