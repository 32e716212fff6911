/**
 * Dev tooling: sample events and signers for every provider, from each provider's own sign.ts
 * (the signed content is written once, beside its verifier). Used by `npm run send-webhook`, the
 * integration tests and the bench. (The unit vectors are made by the providers' SDKs instead;
 * see test/vectors/generate.ts.)
 */
import { randomUUID } from 'node:crypto';
import { PROVIDER_ALIASES } from '../../shared/webhooks/catalog.js';
import { DEFINITIONS } from '../../shared/webhooks/providers/definitions.gen.js';
import type { ProviderDefinition, SignedRequest } from '../../shared/webhooks/types.js';

export type { SignedRequest };

export interface SignOptions {
  /** The full URL the request is posted to. */
  url: string;
  /** The source's secret value: {secrets: [...], ...provider fields}. */
  secret: { secrets: string[]; [field: string]: unknown };
  /** A body to sign instead of the sample (JSON text, or form text for Twilio/Braintree). */
  body?: string | undefined;
  /** Epoch seconds. */
  nowSec?: number | undefined;
  /** A unique id for the sample event. */
  id?: string | undefined;
}

const BY_SLUG = new Map(DEFINITIONS.map((d) => [d.slug, d]));
const definition = (provider: string): ProviderDefinition | undefined =>
  BY_SLUG.get(PROVIDER_ALIASES[provider] ?? provider);

export function sampleBody(provider: string, id: string, nowSec: number): string {
  const def = definition(provider);
  if (!def) throw new Error(`No sample for provider ${provider}`);
  return def.sample(id, nowSec);
}

/** Signs a (sample or given) event for a provider with the first of the source's secrets. */
export function signWebhook(provider: string, opts: SignOptions): SignedRequest {
  const def = definition(provider);
  if (!def) throw new Error(`No signer for provider ${provider}`);
  const nowSec = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const id = opts.id ?? randomUUID();
  return def.sign({
    url: opts.url,
    secret: opts.secret.secrets[0]!,
    config: opts.secret,
    body: opts.body ?? def.sample(id, nowSec),
    nowSec,
    id,
  });
}
