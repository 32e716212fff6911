import { createHash } from 'node:crypto';
import { fromBase64, fromHex, hmac, isoFromText, matchSecret, memo, sha256Hex } from '../../crypto.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

const BT_FIELDS = ['bt_signature', 'bt_payload'] as const;

/** Reads a few named fields of a urlencoded form (first occurrence), cheaper than URLSearchParams. */
function formFields<K extends string>(text: string, names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!(names as readonly string[]).includes(name) || out[name as K] !== undefined) continue;
    const raw = eq < 0 ? '' : part.slice(eq + 1).replace(/\+/g, ' ');
    try {
      out[name as K] = decodeURIComponent(raw);
    } catch {
      out[name as K] = raw;
    }
  }
  return out;
}

const sha1Key = /* @__PURE__ */ memo((privateKey) => createHash('sha1').update(privateKey).digest());
/** Braintree's HMAC key: SHA1 of the private key. */
export const braintreeKey = (privateKey: string): Buffer => sha1Key(privateKey)!;

/**
 * Braintree: form fields `bt_signature` (`publicKey|hex` pairs joined by `&`) and `bt_payload`
 * (base64 XML). HMAC-SHA1 keyed with SHA1(private key) over the payload (with or without its
 * trailing newline, as the SDK accepts). `secrets` are private keys, `publicKey` comes from the
 * secret. No event id is sent: it is derived as `sha256:` + hash of the payload, which retries repeat.
 */
export function verifyBraintreeSignature(input: VerifyInput): VerifyResult {
  const { bt_signature: signature, bt_payload: payload } = formFields(
    input.rawBody.toString('latin1'),
    BT_FIELDS,
  );
  if (!signature) return fail('missing_signature');
  if (payload === undefined) return fail('malformed_header', 'bt_payload is missing');
  const publicKey = typeof input.config.publicKey === 'string' ? input.config.publicKey : undefined;
  const candidates: Buffer[] = [];
  for (const pair of signature.split('&')) {
    const bar = pair.indexOf('|');
    if (bar < 0) continue;
    if (publicKey !== undefined && pair.slice(0, bar) !== publicKey) continue;
    const b = fromHex(pair.slice(bar + 1).trim());
    if (b) candidates.push(b);
  }
  if (candidates.length === 0)
    return fail('malformed_header', 'no publicKey|signature pair for this public key');
  let matched = -1;
  for (const data of [payload, `${payload}\n`]) {
    matched = matchSecret(input.secrets, (s) => hmac('sha1', braintreeKey(s), data), candidates);
    if (matched >= 0) break;
  }
  if (matched < 0) return fail('bad_signature');
  const xml = (fromBase64(payload.replace(/\s+/g, '')) ?? Buffer.alloc(0)).toString('utf8');
  const kind = /<kind>([^<]{1,100})<\/kind>/.exec(xml)?.[1];
  const ts = /<timestamp[^>]*>([^<]{1,64})<\/timestamp>/.exec(xml)?.[1];
  return {
    ok: true,
    eventId: `sha256:${sha256Hex(payload.trim())}`,
    type: kind ?? 'unknown',
    occurredAt: isoFromText(ts),
    matchedSecret: matched,
  };
}

export const scheme = defineScheme('braintree', 'Braintree', verifyBraintreeSignature);
