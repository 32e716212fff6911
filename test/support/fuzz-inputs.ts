/**
 * Hostile inputs for the OpenAPI fuzz test (test/integration/fuzz.test.ts): path segments, query
 * values, header values and bodies, each already in its wire form (percent-encoded where a URL
 * needs it), so the request goes out byte for byte as generated.
 */
import fc from 'fast-check';

/** Printable ASCII, what an HTTP client lets through in a header value. */
export const ascii = (maxLength = 40, minLength = 0) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  });

/** Percent-encodes every byte of `s` outside the unreserved set (lone surrogates become U+FFFD). */
export const encodeAll = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

const base64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** One path segment: empty, dot segments, encoded slashes and controls, bad escapes, lone surrogates (CESU bytes), overlong UTF-8, huge. */
export const nastySegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2E%2E',
    '%2F',
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    '%0A',
    '%0D%0A',
    '%7F',
    '%',
    '%zz',
    '%ED%A0%80',
    '%ED%BF%BF',
    '%C0%AF',
    '%FF%FE',
    '%E2%80%AE',
    encodeAll('é中😀'),
    'x'.repeat(3_001),
    encodeAll('é'.repeat(1_200)),
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeAll),
  fc.integer({ min: 3_000, max: 6_000 }).map((n) => 'a'.repeat(n)),
);

/** A cursor this API never returned: not base64, not JSON, the wrong keys or types, over-long keys. */
export const forgedCursor: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('!!!', 'e30', 'bnVsbA', 'W10', '%00', 'x'.repeat(2_049)),
  fc.jsonValue({ maxDepth: 2 }).map(base64url),
  fc
    .dictionary(
      fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'id', 'createdAt'),
      fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.constant('x'.repeat(1_100))),
      { maxKeys: 4 },
    )
    .map(base64url),
);

/** A query value of the wrong type or form: signs, hex, exponents, huge numbers, bad dates, controls, bad escapes. */
export const nastyQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '-1',
    '0',
    '-0',
    '0x10',
    '1e3',
    '%2B5',
    '%205',
    '5.0',
    '99999999999',
    '1,2',
    'NaN',
    'true',
    '%5B%5D',
    '%00',
    '%ED%A0%80',
    '%zz',
    'x'.repeat(5_000),
    '2024-13-45T00:00:00Z',
    '2024-01-01',
    'not-a-date',
  ),
  forgedCursor,
  fc.string({ maxLength: 30 }).map(encodeAll),
  fc.integer().map(String),
);

/** A garbage Authorization header (undefined: none at all). */
export const badAuthorization = (adminKey: string): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      'Bearer',
      'Bearer ',
      `bearer ${adminKey}`,
      `Bearer  ${adminKey}`,
      `Bearer ${adminKey}x`,
      `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}`,
      'Bearer hbk_0000000000000000',
      `Bearer ${'k'.repeat(6_000)}`,
    ),
    ascii(60).map((s) => `Bearer ${s}`),
    ascii(60),
  );

/** A Content-Type that is not JSON (undefined: none). */
export const wrongContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    'text/plain',
    'application/jsonx',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json-patch+json',
    'application/xml',
  ),
  ascii(30),
);

/** An extra header: huge (under the 16 KB header limit), a forged forwarding chain, cookies, a lying encoding. */
export const extraHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.integer({ min: 4_000, max: 12_000 }).map((n): [string, string] => ['x-fuzz', 'h'.repeat(n)]),
  ascii(80).map((v): [string, string] => ['x-forwarded-for', v]),
  ascii(200).map((v): [string, string] => ['cookie', v]),
  fc.constantFrom<[string, string]>(
    ['content-encoding', 'gzip'],
    ['accept', 'text/html'],
    ['x-forwarded-proto', 'gopher'],
  ),
);

const deep = (n: number, open: string, close: string, inner = '1') =>
  open.repeat(n) + inner + close.repeat(n);

/** A body that is not the JSON the route takes: not JSON at all, another type, deep, huge, hostile escapes. */
export const badJsonBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    'not json',
    '{"a":',
    "{'a':1}",
    '\u0000',
    'null',
    '[]',
    '"text"',
    '1e999',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"name":"\\ud800","url":"\\udfff"}',
    '\ufeff{}',
  ),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => deep(n, '[', ']')),
  fc.integer({ min: 1_000, max: 5_000 }).map((n) => deep(n, '{"a":', '}')),
  fc.integer({ min: 100_000, max: 1_000_000 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);

/** `obj` with one field given a value of the wrong type, or an extra field. */
export const mangledObject = (obj: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> => {
  const wrong = fc.oneof(
    fc.integer(),
    fc.constant(null),
    fc.constant([]),
    fc.constant({}),
    fc.constant(true),
    fc.constant('x'.repeat(70_000)),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
  const keys = Object.keys(obj);
  const extra = fc.tuple(ascii(12, 1), wrong).map(([k, v]) => ({ ...obj, [k]: v }));
  if (!keys.length) return extra;
  return fc.oneof(
    extra,
    fc.tuple(fc.constantFrom(...keys), wrong).map(([k, v]) => ({ ...obj, [k]: v })),
  );
};

/** Signature-looking headers with garbage values, for the webhook receivers. */
export const garbageSignatureHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(
    'stripe-signature',
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'x-hub-signature-256',
    'x-github-event',
    'x-github-delivery',
    'x-shopify-hmac-sha256',
    'x-shopify-webhook-id',
    'x-square-hmacsha256-signature',
    'paddle-signature',
    'x-razorpay-signature',
    'x-signature',
    'x-slack-signature',
    'x-slack-request-timestamp',
    'x-twilio-signature',
    'paypal-transmission-id',
    'paypal-transmission-time',
    'paypal-transmission-sig',
    'paypal-cert-url',
    'paypal-auth-algo',
  ),
  fc.oneof(
    ascii(80),
    fc.constantFrom(
      't=1,v1=00',
      'v1,AAAA',
      'sha256=00',
      '0',
      '-1',
      '99999999999999',
      'https://api.paypal.com/cert.pem',
    ),
  ),
  { maxKeys: 4 },
);
