/** Twilio and Braintree: signatures over form fields (form bodies arrive base64 through API Gateway). */
import { createHash } from 'node:crypto';
import {
  fromBase64,
  fromHex,
  headerGetter,
  hmac,
  isoFromText,
  matchSecret,
  parseJsonObject,
  sha256Hex,
  str,
} from '../crypto.js';
import { fail, type ProviderScheme, type VerifyInput, type VerifyResult } from '../types.js';

function formParams(raw: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** The URL as received, plus the same URL with the port removed or the default port added (Twilio signs either). */
function urlVariants(url: string): string[] {
  const m = /^(https?):\/\/([^/:?#]+)(:\d+)?(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme, host, port, rest] = m;
  const defaultPort = scheme!.toLowerCase() === 'https' ? ':443' : ':80';
  return [url, port ? `${scheme}://${host}${rest}` : `${scheme}://${host}${defaultPort}${rest}`];
}

/**
 * Twilio: `X-Twilio-Signature`, base64 HMAC-SHA1 of the URL followed by the form parameters sorted
 * by name (name+value, repeated values sorted). JSON bodies are signed by URL alone, which carries
 * `bodySHA256` = hex sha256 of the body. Id from `I-Twilio-Idempotency-Token`, else derived as
 * `sha256:` + hash of URL and body.
 */
export function verifyTwilioSignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const header = h('x-twilio-signature');
  if (header === undefined || header.trim() === '') return fail('missing_signature');
  const sig = fromBase64(header.trim());
  if (sig?.length !== 20) return fail('malformed_header');
  const q = input.url.indexOf('?');
  const bodyHash = q < 0 ? null : new URLSearchParams(input.url.slice(q + 1)).get('bodySHA256');
  let signedTail = '';
  const params = bodyHash === null ? formParams(input.rawBody) : undefined;
  if (params) {
    for (const key of [...params.keys()].sort()) {
      for (const v of [...new Set(params.get(key))].sort()) signedTail += key + v;
    }
  } else if (!/^[0-9a-f]{64}$/i.test(bodyHash!) || sha256Hex(input.rawBody) !== bodyHash!.toLowerCase()) {
    return fail('bad_signature', 'bodySHA256 does not match the body');
  }
  const variants = urlVariants(input.url);
  let matched = -1;
  for (const u of variants) {
    matched = matchSecret(input.secrets, (s) => hmac('sha1', s, u, signedTail), [sig]);
    if (matched >= 0) break;
  }
  if (matched < 0) return fail('bad_signature');
  const json = params ? undefined : parseJsonObject(input.rawBody);
  const first = (k: string) => params?.get(k)?.[0];
  const type =
    str(json?.type) ??
    (first('SmsStatus') || first('MessageStatus')
      ? `message.${first('MessageStatus') ?? first('SmsStatus')}`
      : first('CallStatus')
        ? `call.${first('CallStatus')}`
        : 'unknown');
  return {
    ok: true,
    eventId:
      h('i-twilio-idempotency-token') ??
      `sha256:${sha256Hex(`${input.url}\n${input.rawBody.toString('latin1')}`)}`,
    type,
    occurredAt: isoFromText(json?.timestamp),
    matchedSecret: matched,
  };
}

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

const sha1Keys = new Map<string, Buffer>();
const braintreeKey = (privateKey: string): Buffer => {
  let k = sha1Keys.get(privateKey);
  if (!k) {
    k = createHash('sha1').update(privateKey).digest();
    if (sha1Keys.size > 1000) sha1Keys.clear();
    sha1Keys.set(privateKey, k);
  }
  return k;
};

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

export const twilio: ProviderScheme = {
  slug: 'twilio',
  name: 'Twilio',
  verify: verifyTwilioSignature,
  defaultToleranceSec: 300,
};
export const braintree: ProviderScheme = {
  slug: 'braintree',
  name: 'Braintree',
  verify: verifyBraintreeSignature,
  defaultToleranceSec: 300,
};
