/**
 * Dev tooling: sample events and signers for every provider, from each provider's own sign.ts
 * (the signed content is written once, beside its verifier). Used by `npm run send-webhook`, the
 * `hookbridge trigger`, the integration tests and the bench. (The unit vectors are made by the providers' SDKs instead;
 * see test/vectors/generate.ts.)
 */
import { randomUUID } from 'node:crypto';
import { parseSecretValue } from '../../shared/secrets.js';
import { PROVIDER_ALIASES } from '../../shared/webhooks/catalog.js';
import { DEFINITIONS } from '../../shared/webhooks/providers/definitions.gen.js';
import { webhookSecretName } from '../../shared/webhooks/receive.js';
import type { ProviderDefinition, SignedRequest } from '../../shared/webhooks/types.js';
import { CliError, causeOf } from '../cli.js';
import { LOCAL_PAYPAL_CERT_PATH, LOCAL_PAYPAL_SECRET_NAME, localPayPalStandIn } from './paypal-standin.js';
import { addSourceSecret, readSecretsFile } from './secrets-file.js';

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

export interface LocalSource {
  /** Canonical provider slug. */
  provider: string;
  source?: string | undefined;
  /** The secrets file holding the source's secret (the local runtime's, or a copy of a deployed one's). */
  secretsFile: string;
  /** The base URL the event is posted to (PayPal's stand-in certificate is served there). */
  base: string;
  /** Adds a generated secret for a missing `source` instead of failing. */
  createSource?: boolean | undefined;
}

/** `/webhooks/<provider>[/<source>]`. */
export const webhookPath = (provider: string, source?: string): string =>
  `/webhooks/${provider}${source ? `/${encodeURIComponent(source)}` : ''}`;

/** The source's secret value from the secrets file, ready for signWebhook (PayPal: with the local stand-in's key). */
export async function localSigningSecret(src: LocalSource): Promise<SignOptions['secret']> {
  const secretName = webhookSecretName(src.provider, src.source);
  const all = await readSecretsFile(src.secretsFile, { required: true });
  let secret = parseSecretValue(all[secretName]);
  if (!hasSecrets(secret) && src.createSource && src.source)
    secret = await addSourceSecret(src.secretsFile, src.provider, src.source);
  if (!hasSecrets(secret)) throw missingSecret(secretName, src.secretsFile, src.provider, src.source);
  return src.provider === 'paypal' ? withPayPalStandIn(secret, all, src.base, src.secretsFile) : secret;
}

/**
 * PayPal signs with a certificate's key: locally, the leaf of the stand-in the first `npm start`
 * made (trusted by the local runtime only), whose chain that runtime serves on loopback.
 */
function withPayPalStandIn(
  secret: SignOptions['secret'],
  all: Record<string, unknown>,
  base: string,
  file: string,
): SignOptions['secret'] {
  if (typeof (secret as { signingKeyPem?: unknown }).signingKeyPem === 'string') return secret;
  const standIn = localPayPalStandIn(all[LOCAL_PAYPAL_SECRET_NAME]);
  if (!standIn)
    throw new CliError(
      `No local sample for paypal: PayPal signs events with the key of a certificate the receiver trusts, and ${file} has no local stand-in ("${LOCAL_PAYPAL_SECRET_NAME}"): restart npm start once to add the dev secrets (a dev CA only the local runtime trusts), or send a real event from PayPal's developer dashboard to a public URL of this service`,
      2,
    );
  return { ...secret, signingKeyPem: standIn.leafKeyPem, certUrl: `${base}${LOCAL_PAYPAL_CERT_PATH}` };
}

const hasSecrets = (v: unknown): v is SignOptions['secret'] =>
  Array.isArray((v as { secrets?: unknown } | undefined)?.secrets) &&
  (v as { secrets: unknown[] }).secrets.length > 0;

function missingSecret(name: string, file: string, provider: string, source: string | undefined): CliError {
  const fix = source
    ? `add "${name}": {"secrets": ["<signing secret>"]} to it (the running service re-reads it), or pass --create-source to add a generated one`
    : `restart npm start once to add the dev secrets, or add "${name}": {"secrets": ["<signing secret>"]} to it`;
  return new CliError(`No secret "${name}" for ${provider} in ${file}: ${fix}`);
}

/** Signs `body` (or the provider's sample), a usage error when the provider cannot be signed here. */
export function signOrExplain(provider: string, opts: SignOptions): SignedRequest {
  try {
    return signWebhook(provider, opts);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** POSTs a signed request; an unreachable service is one line naming the fix (exit 3). */
export async function postSigned(url: string, signed: SignedRequest): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliError(
      `Cannot reach ${new URL(url).origin} (${causeOf(err)}): start the service with npm start, or pass --url with the address it printed`,
      3,
    );
  }
}
