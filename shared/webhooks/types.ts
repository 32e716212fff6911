import type { Mapper } from '../payments/mapping.js';
import type { PayPalContext } from './providers/paypal/context.js';

/** The verifier contract: pure functions, no I/O except what a provider's scheme needs, never throwing. */

export type VerifyFailure =
  | 'missing_signature'
  | 'malformed_header'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  /** Signed correctly, but the body lacks what the scheme needs (event id): a 400. */
  | 'invalid_payload';

export interface VerifyInput {
  /** The body exactly as sent. */
  rawBody: Buffer;
  /** Request headers; names in any case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The full URL the sender called (Square, Twilio sign it). */
  url: string;
  /** Every accepted secret, current first. */
  secrets: readonly string[];
  /** Provider fields from the secret (notificationUrl, publicKey, ...). */
  config: Readonly<Record<string, unknown>>;
  /** Milliseconds since the epoch. */
  now: number;
  toleranceSec: number;
  /** Hex sha256 of rawBody when the caller has it already (schemes that derive ids from it reuse it). */
  bodySha256?: string | undefined;
}

/** A reply the provider expects instead of the default `{"status":"stored"}`. */
export interface ProviderReply {
  status: number;
  contentType: string;
  body: string;
  /** When set, the request is a handshake (e.g. Slack url_verification): answer, store nothing. */
  handshakeOnly?: boolean;
}

export type VerifyResult =
  | {
      ok: true;
      eventId: string;
      type: string;
      occurredAt?: string | undefined;
      /** Index into `secrets` of the secret that matched. */
      matchedSecret: number;
      reply?: ProviderReply | undefined;
    }
  | { ok: false; reason: VerifyFailure; detail?: string | undefined };

/**
 * What a verifier may need beyond the request, passed in by the caller rather than read from
 * module state: PayPal's certificate fetch, trust roots and certificate cache.
 */
export interface VerifyContext {
  /** A promise where it is built on first use (its module, with the OAuth token code, loads then). */
  paypal?: PayPalContext | Promise<PayPalContext> | undefined;
}

export type Verifier = (input: VerifyInput, ctx?: VerifyContext) => VerifyResult | Promise<VerifyResult>;

/** The part of a provider the receive path loads: kept apart from signers and mappers for cold start. */
export interface ProviderScheme {
  slug: string;
  /** Human name for docs and errors. */
  name: string;
  verify: Verifier;
  /** Default timestamp tolerance in seconds (schemes without timestamps ignore it). */
  defaultToleranceSec: number;
  /** The reply after a stored or duplicate event, when the provider expects a specific one. */
  ackReply?: ProviderReply | undefined;
  /** Other URL slugs for the same scheme (secrets live under the canonical slug). */
  aliases?: readonly string[] | undefined;
}

export const fail = (reason: VerifyFailure, detail?: string): VerifyResult => ({ ok: false, reason, detail });

/** A scheme with the usual five-minute tolerance unless `extra` says otherwise. */
export const defineScheme = (
  slug: string,
  name: string,
  verify: Verifier,
  extra: Partial<Pick<ProviderScheme, 'defaultToleranceSec' | 'ackReply' | 'aliases'>> = {},
): ProviderScheme => ({ slug, name, verify, defaultToleranceSec: 300, ...extra });

export const JSON_TYPE = { 'content-type': 'application/json' } as const;
export const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' } as const;

/** A sample event's body: JSON text, or form text for the form-signed schemes. */
export type SampleBody = (id: string, nowSec: number) => string;

export interface SignInput {
  /** The full URL the request is posted to. */
  url: string;
  /** The first of the source's secrets. */
  secret: string;
  /** The source's whole secret value, for provider fields (notificationUrl, publicKey, ...). */
  config: Readonly<Record<string, unknown>>;
  body: string;
  nowSec: number;
  /** A unique id for the event. */
  id: string;
}

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

/** Signs as the provider does: for the local signer, the bench and the integration tests. */
export type Signer = (input: SignInput) => SignedRequest;

/** One provider: everything the catalog, normaliser, local signer, stack and docs derive from. */
export type ProviderDefinition = ProviderScheme & {
  sign: Signer;
  sample: SampleBody;
} & ({ map: Mapper; rawOnly?: undefined } | { map?: undefined; rawOnly: true });
