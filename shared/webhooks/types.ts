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

export type Verifier = (input: VerifyInput) => VerifyResult | Promise<VerifyResult>;

export interface ProviderScheme {
  slug: string;
  /** Human name for docs and errors. */
  name: string;
  verify: Verifier;
  /** Default timestamp tolerance in seconds (schemes without timestamps ignore it). */
  defaultToleranceSec: number;
  /** The reply after a stored or duplicate event, when the provider expects a specific one. */
  ackReply?: ProviderReply | undefined;
}

export const fail = (reason: VerifyFailure, detail?: string): VerifyResult => ({ ok: false, reason, detail });
