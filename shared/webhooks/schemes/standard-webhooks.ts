/**
 * Standard Webhooks (https://www.standardwebhooks.com), written once: the signed content, the
 * signature header, signing and verifying. Used by the standard-webhooks provider, the local
 * signer, and the outgoing deliveries' signer.
 */
import { createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import {
  checkTimestamp,
  fromBase64,
  headerGetter,
  hmac,
  isoFromEpochSec,
  isoFromText,
  matchSecret,
  memo,
  parseJsonObject,
  str,
} from '../crypto.js';
import { fail, type VerifyInput, type VerifyResult } from '../types.js';

export const SECRET_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';
const ED25519_SPKI_PREFIX = /* @__PURE__ */ Buffer.from('302a300506032b6570032100', 'hex');

const keyText = (secret: string) =>
  secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional); strict when verifying. */
const hmacKey = /* @__PURE__ */ memo((secret) => fromBase64(keyText(secret)));

const ed25519Key = /* @__PURE__ */ memo((secret): KeyObject | undefined => {
  const raw = fromBase64(secret.slice(PUBLIC_KEY_PREFIX.length));
  if (raw?.length !== 32) return undefined;
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
});

/** What is signed: `${id}.${timestamp}.` followed by the body. */
const contentPrefix = (id: string, ts: string) => `${id}.${ts}.`;

/** The three headers for `body`, signed `v1,<base64 HMAC-SHA256>` with a `whsec_` secret. */
export function signStandardWebhook(
  secret: string,
  webhookId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  // Lenient decode, as before: a stored destination secret is checked when it is set.
  const key = Buffer.from(keyText(secret), 'base64');
  const ts = String(timestampSec);
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': ts,
    'webhook-signature': `v1,${hmac('sha256', key, contentPrefix(webhookId, ts), body).toString('base64')}`,
  };
}

/** `v1,<b64>` and `v1a,<b64>` signatures of a space-separated header; others are ignored. */
function parseSignatures(header: string): { v1: Buffer[]; v1a: Buffer[] } {
  const v1: Buffer[] = [];
  const v1a: Buffer[] = [];
  for (const part of header.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0) continue;
    const version = part.slice(0, comma);
    const sig = fromBase64(part.slice(comma + 1));
    if (!sig) continue;
    if (version === 'v1') v1.push(sig);
    else if (version === 'v1a') v1a.push(sig);
  }
  return { v1, v1a };
}

/** Index of the first `whpk_` secret whose ed25519 key verifies one of the signatures, or -1. */
function matchPublicKey(secrets: readonly string[], content: Buffer, sigs: readonly Buffer[]): number {
  for (let i = 0; i < secrets.length; i++) {
    const s = secrets[i]!;
    const key = s.startsWith(PUBLIC_KEY_PREFIX) ? ed25519Key(s) : undefined;
    if (!key) continue;
    for (const sig of sigs) {
      try {
        if (sig.length === 64 && verifySignature(null, content, key, sig)) return i;
      } catch {
        // a malformed signature simply does not match
      }
    }
  }
  return -1;
}

/**
 * `webhook-id`, `webhook-timestamp`, `webhook-signature` (or the `svix-*` names). `v1,<b64>` is
 * HMAC-SHA256 with the base64-decoded `whsec_` secret, `v1a,<b64>` is ed25519 checked against
 * `whpk_` public keys.
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
  const { v1, v1a } = parseSignatures(sigHeader);
  if (v1.length === 0 && v1a.length === 0) return fail('malformed_header', 'no v1 or v1a signature');
  const prefix = contentPrefix(id, ts);
  let matched = -1;
  if (v1.length)
    matched = matchSecret(
      input.secrets,
      (s) => {
        if (s.startsWith(PUBLIC_KEY_PREFIX)) return undefined;
        const key = hmacKey(s);
        return key ? hmac('sha256', key, prefix, input.rawBody) : undefined;
      },
      v1,
    );
  if (matched < 0 && v1a.length)
    matched = matchPublicKey(input.secrets, Buffer.concat([Buffer.from(prefix), input.rawBody]), v1a);
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
