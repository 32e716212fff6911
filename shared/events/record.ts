import { createHash } from 'node:crypto';

/**
 * The stored webhook event: the contract between webhooks-receive (which writes it) and
 * events-process / the read API (which read it). One item per event, keyed by a deterministic id
 * derived from (provider, source, provider event id), so a duplicate delivery maps to the same
 * key and the conditional put refuses it.
 */
export interface EventRecord {
  /** `evt_` + 26 base32 chars of sha256(provider \0 source \0 eventId). */
  id: string;
  provider: string;
  /** The sourceId from the URL, or `default`. */
  source: string;
  /** The provider's own event id (or the documented derived one). */
  eventId: string;
  type: string;
  occurredAt?: string | undefined;
  receivedAt: string;
  bodySha256: string;
  bodySize: number;
  contentType?: string | undefined;
  /** Request headers, lower-cased, with Authorization and Cookie dropped. */
  headers: Record<string, string>;
  /** Index into the source's `secrets` list of the secret that verified the signature. */
  matchedSecret: number;
  /** Set when the same event id later arrived with a different body hash. */
  flagged?: 'body_mismatch' | undefined;
  /**
   * `reconciliation`: listed from the provider's events API by a reconciler (shared/reconcile/),
   * its body that API's JSON of the event. Absent: received as a webhook (the API shows `webhook`).
   */
  via?: 'reconciliation' | undefined;
  /** The reconciler that stored it (with `via: "reconciliation"`). */
  reconcilerId?: string | undefined;
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function eventIdFor(provider: string, source: string, providerEventId: string): string {
  const h = createHash('sha256').update(`${provider}\0${source}\0${providerEventId}`).digest();
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const byte of h) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 26) break;
  }
  return `evt_${out}`;
}
