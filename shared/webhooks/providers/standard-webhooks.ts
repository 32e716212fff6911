import { createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import {
  checkTimestamp,
  fromBase64,
  headerGetter,
  hmac,
  isoFromEpochSec,
  isoFromText,
  matchSecret,
  parseJsonObject,
  str,
} from '../crypto.js';
import { fail, type ProviderScheme, type VerifyInput, type VerifyResult } from '../types.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const publicKeys = new Map<string, KeyObject | null>();

function ed25519Key(secret: string): KeyObject | undefined {
  let key = publicKeys.get(secret);
  if (key === undefined) {
    const raw = fromBase64(secret.slice('whpk_'.length));
    try {
      key =
        raw?.length === 32
          ? createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
          : null;
    } catch {
      key = null;
    }
    if (publicKeys.size > 1000) publicKeys.clear();
    publicKeys.set(secret, key);
  }
  return key ?? undefined;
}

const hmacKeys = new Map<string, Buffer | null>();
function hmacKey(secret: string): Buffer | undefined {
  let key = hmacKeys.get(secret);
  if (key === undefined) {
    key = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret) ?? null;
    if (hmacKeys.size > 1000) hmacKeys.clear();
    hmacKeys.set(secret, key);
  }
  return key ?? undefined;
}

/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature` (or the
 * `svix-*` names). Signed content `${id}.${ts}.${raw}`; `v1,<b64>` is HMAC-SHA256 with the
 * base64-decoded `whsec_` secret, `v1a,<b64>` is ed25519 checked against `whpk_` public keys.
 */
export function verifyStandardWebhook(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const sigHeader = h('webhook-signature') ?? h('svix-signature');
  const id = h('webhook-id') ?? h('svix-id');
  const ts = h('webhook-timestamp') ?? h('svix-timestamp');
  if (sigHeader === undefined || sigHeader.trim() === '') return fail('missing_signature');
  if (!id || ts === undefined)
    return fail('malformed_header', 'webhook-id and webhook-timestamp are required');
  const tsProblem = checkTimestamp(ts, input.now, input.toleranceSec);
  if (tsProblem) return fail(tsProblem);
  const v1: Buffer[] = [];
  const v1a: Buffer[] = [];
  for (const part of sigHeader.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0) continue;
    const version = part.slice(0, comma);
    const sig = fromBase64(part.slice(comma + 1));
    if (!sig) continue;
    if (version === 'v1') v1.push(sig);
    else if (version === 'v1a') v1a.push(sig);
  }
  if (v1.length === 0 && v1a.length === 0) return fail('malformed_header', 'no v1 or v1a signature');
  const prefix = `${id}.${ts}.`;
  let matched = -1;
  if (v1.length)
    matched = matchSecret(
      input.secrets,
      (s) => {
        if (s.startsWith('whpk_')) return undefined;
        const key = hmacKey(s);
        return key ? hmac('sha256', key, prefix, input.rawBody) : undefined;
      },
      v1,
    );
  if (matched < 0 && v1a.length) {
    const content = Buffer.concat([Buffer.from(prefix), input.rawBody]);
    for (let i = 0; i < input.secrets.length && matched < 0; i++) {
      const s = input.secrets[i]!;
      if (!s.startsWith('whpk_')) continue;
      const key = ed25519Key(s);
      if (!key) continue;
      for (const sig of v1a) {
        try {
          if (sig.length === 64 && verifySignature(null, content, key, sig)) {
            matched = i;
            break;
          }
        } catch {
          // a malformed signature simply does not match
        }
      }
    }
  }
  if (matched < 0) return fail('bad_signature');
  const body = parseJsonObject(input.rawBody);
  return {
    ok: true,
    eventId: id,
    type: str(body?.type) ?? str(body?.eventType) ?? 'unknown',
    occurredAt: isoFromText(body?.timestamp) ?? isoFromEpochSec(ts),
    matchedSecret: matched,
  };
}

export const standardWebhooks: ProviderScheme = {
  slug: 'standard-webhooks',
  name: 'Standard Webhooks',
  verify: verifyStandardWebhook,
  defaultToleranceSec: 300,
};
