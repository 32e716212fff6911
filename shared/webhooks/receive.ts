/**
 * The receive pipeline: provider -> source secret -> verify -> one conditional put -> answer.
 * Nothing else runs on the hot path; processing is driven by the table's stream.
 */
import { createHash } from 'node:crypto';
// zod/mini: this module is on the webhook hot path, where full zod would add to every cold start.
import * as z from 'zod/mini';
import { HookbridgeError } from '../errors.js';
import { type EventRecord, eventIdFor } from '../events/record.js';
import type { HttpRequest, HttpResponse } from '../http/types.js';
import type { Logger } from '../log.js';
import type { EventRepo } from '../ports/index.js';
import { placeholderError, SECRET_PLACEHOLDER } from '../secrets.js';
import { providerFor } from './catalog.js';
import { bodyTooDeep, recordOverLimit, recordTooLarge } from './limits.js';
import { DEFAULT_SOURCE, webhookSecretName } from './names.js';
import type { ProviderScheme, VerifyContext, VerifyResult } from './types.js';

// Messages spelled out: zod/mini carries no locale, so its defaults would all read "Invalid input".
const TOLERANCE = 'must be a whole number of seconds from 1 to 86400';
export const WebhookSourceSecret = z.looseObject(
  {
    secrets: z
      .array(z.string('must be a string').check(z.minLength(1, 'must not be empty')), 'must be a list')
      .check(z.minLength(1, 'must list at least one secret'), z.maxLength(10, 'may list at most 10 secrets')),
    toleranceSec: z.optional(
      z.number(TOLERANCE).check(z.int(TOLERANCE), z.gte(1, TOLERANCE), z.lte(86_400, TOLERANCE)),
    ),
  },
  'must be a JSON object',
);
export type WebhookSourceSecret = z.infer<typeof WebhookSourceSecret>;

const SOURCE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export { DEFAULT_SOURCE, webhookSecretName };

/** Headers kept with the event: all but credentials. */
const DROPPED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export interface ReceiveDeps {
  secrets: {
    get(name: string): Promise<unknown>;
    refreshAfterFailure(name: string): Promise<boolean>;
    /** The backend, so a placeholder error says how to set the secret there. */
    readonly store?: { readonly kind: 'secrets-manager' | 'file' };
  };
  /** The secrets file, named in that error when the backend is `file`. */
  secretsFile?: string | undefined;
  store: Pick<EventRepo, 'put'>;
  now: () => number;
  log: Logger;
  /** What some verifiers need from outside (PayPal's certificate fetch and trust roots). */
  verifyContext?: VerifyContext | undefined;
}

/** Single-key spellings the docs allow (Adyen `hmacKey`, PayPal `webhookId`) become `secrets: [key]`. */
function normaliseSource(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (v.secrets !== undefined) return v;
  for (const alias of ['hmacKey', 'webhookId'] as const)
    if (typeof v[alias] === 'string') return { ...v, secrets: [v[alias]] };
  return v;
}

function parseSource(name: string, value: unknown): WebhookSourceSecret {
  const parsed = WebhookSourceSecret.safeParse(normaliseSource(value));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new HookbridgeError(
    'misconfigured',
    `Secret ${name} must be {"secrets": ["…"], …} (${where}${issue?.message ?? 'invalid'})`,
  );
}

/**
 * Each cached secret value's parse, so a request served from the secrets cache (the same object
 * until it is re-read) does not validate it again. Keyed weakly: a re-read value is parsed anew.
 */
const parsedSources = new WeakMap<object, WebhookSourceSecret>();

function sourceOf(name: string, value: unknown): WebhookSourceSecret {
  if (typeof value !== 'object' || value === null) return parseSource(name, value);
  const known = parsedSources.get(value);
  if (known) return known;
  const src = parseSource(name, value);
  parsedSources.set(value, src);
  return src;
}

async function loadSource(deps: ReceiveDeps, name: string, missing: () => HookbridgeError) {
  const value = await deps.secrets.get(name);
  if (value === undefined) throw missing();
  const src = sourceOf(name, value);
  // Fail closed on the stack's placeholder: anyone could sign with it. 5xx, so the provider retries
  // until the operator sets the real secret; nothing is stored meanwhile.
  if (src.secrets.includes(SECRET_PLACEHOLDER)) {
    deps.log.warn('webhook secret is still the placeholder', { secretName: name });
    const where = { kind: deps.secrets.store?.kind ?? 'secrets-manager', file: deps.secretsFile };
    throw placeholderError(where, name, '{"secrets":["…"]}');
  }
  return src;
}

function verifyWith(
  scheme: ProviderScheme,
  req: HttpRequest,
  url: string,
  src: WebhookSourceSecret,
  now: number,
  bodySha256: string,
  ctx: VerifyContext | undefined,
) {
  const { secrets, toleranceSec, ...config } = src;
  return scheme.verify(
    {
      rawBody: req.rawBody,
      bodySha256,
      headers: req.headers,
      url,
      secrets,
      config,
      now,
      toleranceSec: toleranceSec ?? scheme.defaultToleranceSec,
    },
    ctx,
  );
}

export async function receiveWebhook(req: HttpRequest, deps: ReceiveDeps): Promise<HttpResponse> {
  const slug = req.pathParameters.provider ?? '';
  const scheme = providerFor(slug);
  if (!scheme) throw new HookbridgeError('unknown_provider', `No webhook provider "${slug.slice(0, 64)}"`);
  const sourceId = req.pathParameters.sourceId;
  if (sourceId !== undefined && !SOURCE_ID.test(sourceId))
    throw new HookbridgeError('unknown_source', 'No such webhook source');
  const secretName = webhookSecretName(scheme.slug, sourceId);
  const missing = () =>
    new HookbridgeError(
      'unknown_source',
      sourceId === undefined
        ? `No ${scheme.name} source is configured (secret ${secretName})`
        : `No ${scheme.name} source "${sourceId}" (secret ${secretName})`,
    );
  let src = await loadSource(deps, secretName, missing);
  const url = `${req.baseUrl}${req.rawPath}${req.rawQueryString ? `?${req.rawQueryString}` : ''}`;
  const now = deps.now();
  // Hashed once: the record keeps it, and schemes without an event id derive theirs from it.
  const bodySha256 = createHash('sha256').update(req.rawBody).digest('hex');
  let result: VerifyResult = await verifyWith(scheme, req, url, src, now, bodySha256, deps.verifyContext);
  // A rotation takes effect within seconds: re-read a cached copy older than a few seconds and retry.
  if (
    !result.ok &&
    result.reason === 'bad_signature' &&
    (await deps.secrets.refreshAfterFailure(secretName))
  ) {
    src = await loadSource(deps, secretName, missing);
    result = await verifyWith(scheme, req, url, src, now, bodySha256, deps.verifyContext);
  }
  if (!result.ok) {
    logRejected(deps, scheme.slug, sourceId, result.reason);
    if (result.reason === 'invalid_payload')
      throw new HookbridgeError('invalid_request', result.detail ?? 'The payload lacks an event id');
    throw new HookbridgeError(result.reason, result.detail ?? signatureDetail[result.reason]);
  }
  if (result.reply?.handshakeOnly) return replyOf(result.reply);

  const source = sourceId ?? DEFAULT_SOURCE;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!DROPPED_HEADERS.has(k)) headers[k] = v;
  const overLimit = recordOverLimit(result.eventId, result.type, headers) ?? bodyTooDeep(req.rawBody);
  if (overLimit) {
    logRejected(deps, scheme.slug, sourceId, 'payload_too_large');
    throw recordTooLarge(overLimit);
  }
  const record: EventRecord = {
    id: eventIdFor(scheme.slug, source, result.eventId),
    provider: scheme.slug,
    source,
    eventId: result.eventId,
    type: result.type,
    occurredAt: result.occurredAt,
    receivedAt: new Date(now).toISOString(),
    bodySha256,
    bodySize: req.rawBody.length,
    contentType: req.headers['content-type'],
    headers,
    matchedSecret: result.matchedSecret,
  };
  const outcome = await deps.store.put(record, req.rawBody);
  if (outcome === 'duplicate_mismatch')
    deps.log.warn('webhook event id reused with a different body', {
      provider: record.provider,
      source,
      eventId: record.eventId,
      id: record.id,
    });
  if (scheme.ackReply) return replyOf(scheme.ackReply);
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: outcome === 'stored' ? 'stored' : 'duplicate', id: record.id }),
  };
}

/** One line per rejection: the stack counts these for the signature-failure alarm. */
const logRejected = (deps: ReceiveDeps, provider: string, sourceId: string | undefined, reason: string) =>
  deps.log.warn('webhook rejected', { provider, source: sourceId ?? DEFAULT_SOURCE, reason });

const signatureDetail: Record<string, string> = {
  missing_signature: 'The signature is missing',
  malformed_header: 'The signature header is malformed',
  bad_signature: 'No configured secret produces this signature',
  stale_timestamp: 'The signed timestamp is older than the tolerance',
  future_timestamp: 'The signed timestamp is further in the future than the tolerance',
};

const replyOf = (r: { status: number; contentType: string; body: string }): HttpResponse => ({
  status: r.status,
  headers: { 'content-type': r.contentType },
  body: r.body,
});
