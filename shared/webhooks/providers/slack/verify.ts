import {
  checkTimestamp,
  fromHex,
  headerGetter,
  hmac,
  isoFromEpochSec,
  matchSecret,
  parseJsonObject,
  sha256Hex,
  str,
} from '../../crypto.js';
import { defineScheme, fail, type VerifyInput, type VerifyResult } from '../../types.js';

/**
 * Slack: `X-Slack-Signature: v0=<hex>` of `v0:${ts}:${raw}` with `X-Slack-Request-Timestamp`.
 * Events API bodies carry `event_id`; `url_verification` is answered with the challenge and not
 * stored. Form bodies (slash commands, interactivity) have no id: it is derived as `sha256:` + body hash.
 */
export function verifySlackSignature(input: VerifyInput): VerifyResult {
  const h = headerGetter(input.headers);
  const header = h('x-slack-signature');
  if (header === undefined || header.trim() === '') return fail('missing_signature');
  const ts = h('x-slack-request-timestamp');
  if (ts === undefined) return fail('malformed_header', 'X-Slack-Request-Timestamp is missing');
  const sigs: Buffer[] = [];
  for (const part of header.split(',')) {
    const p = part.trim();
    if (!p.startsWith('v0=')) continue;
    const b = fromHex(p.slice(3));
    if (b) sigs.push(b);
  }
  if (sigs.length === 0) return fail('malformed_header', 'expected v0=<hex>');
  const tsProblem = checkTimestamp(ts, input.now, input.toleranceSec);
  if (tsProblem) return fail(tsProblem);
  const matched = matchSecret(input.secrets, (s) => hmac('sha256', s, `v0:${ts}:`, input.rawBody), sigs);
  if (matched < 0) return fail('bad_signature');
  const body = parseJsonObject(input.rawBody);
  if (body?.type === 'url_verification') {
    return {
      ok: true,
      eventId: `url_verification:${ts}`,
      type: 'url_verification',
      matchedSecret: matched,
      reply: {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ challenge: str(body.challenge) ?? '' }),
        handshakeOnly: true,
      },
    };
  }
  const event = body?.event as Record<string, unknown> | undefined;
  let type = str(event?.type) ?? str(body?.type);
  if (!body) {
    const form = new URLSearchParams(input.rawBody.toString('utf8'));
    type = form.get('command') ? 'slash_command' : form.get('payload') ? 'interaction' : 'form';
  }
  return {
    ok: true,
    eventId: str(body?.event_id) ?? `sha256:${input.bodySha256 ?? sha256Hex(input.rawBody)}`,
    type: type ?? 'unknown',
    occurredAt: isoFromEpochSec(body?.event_time) ?? isoFromEpochSec(ts),
    matchedSecret: matched,
  };
}

export const scheme = defineScheme('slack', 'Slack', verifySlackSignature);
