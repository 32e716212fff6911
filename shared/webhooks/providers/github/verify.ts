import { fromHex, headerGetter, parseJsonObject, str } from '../../crypto.js';
import { matchSignedBody } from '../../schemes/hmac.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`; id from `X-GitHub-Delivery`, type from `X-GitHub-Event`. */
export function verifyGitHubSignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const header = h('x-hub-signature-256');
  const r = matchSignedBody(input, header, (s) =>
    s.startsWith('sha256=') ? fromHex(s.slice(7)) : undefined,
  );
  if (typeof r !== 'number') return r;
  const delivery = h('x-github-delivery');
  if (!delivery) return fail('invalid_payload', 'X-GitHub-Delivery is missing');
  const event = h('x-github-event') ?? 'unknown';
  const action = str(parseJsonObject(input.rawBody)?.action);
  return { ok: true, eventId: delivery, type: action ? `${event}.${action}` : event, matchedSecret: r };
}

export const scheme = defineScheme('github', 'GitHub', verifyGitHubSignature);
