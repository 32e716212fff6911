import {
  fromBase64,
  headerGetter,
  hmac,
  isoFromText,
  matchSecret,
  parseJsonObject,
  sha256Hex,
  str,
} from '../../crypto.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

export function formParams(raw: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** What Twilio signs after the URL: each parameter name followed by its values, names and values sorted. */
export function twilioSignedTail(params: ReadonlyMap<string, string[]>): string {
  let tail = '';
  for (const key of [...params.keys()].sort()) {
    for (const v of [...new Set(params.get(key))].sort()) tail += key + v;
  }
  return tail;
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
  const params = bodyHash === null ? formParams(input.rawBody) : undefined;
  const signedTail = params ? twilioSignedTail(params) : '';
  if (
    !params &&
    (!/^[0-9a-f]{64}$/i.test(bodyHash!) || sha256Hex(input.rawBody) !== bodyHash!.toLowerCase())
  ) {
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

export const scheme = defineScheme('twilio', 'Twilio', verifyTwilioSignature);
