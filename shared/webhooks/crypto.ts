/** Small, allocation-light helpers shared by the verifiers. None of them throws on bad input. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { fail, type VerifyInput, type VerifyResult } from './types.js';

/** Bounded memo for decoded keys: once per secret, not once per request; undefined is remembered too. */
export function memo<T>(decode: (secret: string) => T | undefined): (secret: string) => T | undefined {
  const cache = new Map<string, T | null>();
  return (secret) => {
    let v = cache.get(secret);
    if (v === undefined) {
      v = decode(secret) ?? null;
      if (cache.size > 1000) cache.clear();
      cache.set(secret, v);
    }
    return v ?? undefined;
  };
}

/** Constant-time equality that is safe (and still constant-time in the data) across differing lengths. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

export const hmac = (alg: 'sha256' | 'sha1', key: string | Buffer, ...parts: (string | Buffer)[]): Buffer => {
  const h = createHmac(alg, key);
  for (const p of parts) h.update(p);
  return h.digest();
};

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Strict hex decode: undefined unless the text is only hex digits of even length. */
export function fromHex(text: string): Buffer | undefined {
  if (text.length % 2 !== 0) return undefined;
  // Buffer.from stops at the first non-hex pair, so a short result means the text was not pure hex.
  const b = Buffer.from(text, 'hex');
  return b.length * 2 === text.length ? b : undefined;
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** Strict base64 decode (standard alphabet, padding optional). */
export function fromBase64(text: string): Buffer | undefined {
  if (!B64_RE.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

const UPPER_RE = /[A-Z]/;
/** Header lookup by lower-case name; names in the map may be in any case. */
export function headerGetter(headers: Readonly<Record<string, string | undefined>>) {
  let lower: Record<string, string | undefined> | undefined;
  for (const k in headers) {
    if (UPPER_RE.test(k)) {
      lower = {};
      for (const [name, v] of Object.entries(headers)) lower[name.toLowerCase()] = v;
      break;
    }
  }
  const map = lower ?? headers;
  return (name: string): string | undefined => {
    const v = map[name];
    return typeof v === 'string' ? v : undefined;
  };
}

/** JSON.parse that returns undefined instead of throwing; only objects count. */
export function parseJsonObject(raw: Buffer | string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
/** Epoch seconds (number or numeric string) -> ISO 8601 UTC, or undefined. Arithmetic, no Date: it is on the hot path. */
export function isoFromEpochSec(v: unknown): string | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 253_402_300_799) return undefined;
  // days -> civil date (H. Hinnant's algorithm), valid for the whole 0000-9999 range used here.
  const days = Math.floor(n / 86_400);
  const secs = n - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(secs % 60)}.000Z`;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** A date string as ISO 8601: kept as sent when it already is (cheap), else normalised; or undefined. */
export function isoFromText(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 64) return undefined;
  if (ISO_RE.test(v)) return v;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const TS_RE = /^\d{1,12}$/;
/** Checks a decimal epoch-seconds timestamp against the window; returns a failure reason or undefined. */
export function checkTimestamp(
  ts: string,
  nowMs: number,
  toleranceSec: number,
): 'malformed_header' | 'stale_timestamp' | 'future_timestamp' | undefined {
  if (!TS_RE.test(ts)) return 'malformed_header';
  const age = Math.floor(nowMs / 1000) - Number(ts);
  if (age > toleranceSec) return 'stale_timestamp';
  if (age < -toleranceSec) return 'future_timestamp';
  return undefined;
}

/**
 * Tries every secret against every candidate signature (rotation on both sides) and returns the
 * index of the first secret that matched, or -1. Each MAC is computed once per secret.
 */
export function matchSecret(
  secrets: readonly string[],
  macFor: (secret: string) => Buffer | undefined,
  candidates: readonly Buffer[],
): number {
  for (let i = 0; i < secrets.length; i++) {
    const mac = macFor(secrets[i]!);
    if (!mac) continue;
    for (const c of candidates) if (safeEqual(mac, c)) return i;
  }
  return -1;
}

/**
 * Parses a `key=value` list header carrying a timestamp and hex signatures (Stripe
 * `t=…,v1=…,v1=…`, Paddle `ts=…;h1=…`): the timestamp under `tsKey`, every decodable signature
 * under `sigKey` (several during rotation); other keys are ignored.
 */
export function parseTimestampedHeader(
  header: string,
  sep: string,
  tsKey: string,
  sigKey: string,
): { ts: string | undefined; sigs: Buffer[] } {
  let ts: string | undefined;
  const sigs: Buffer[] = [];
  for (const part of header.split(sep)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === tsKey) ts = v;
    else if (k === sigKey) {
      const b = fromHex(v);
      if (b) sigs.push(b);
    }
  }
  return { ts, sigs };
}

/**
 * The accepted result for a JSON event that names its own id, type and time under the given
 * keys; `invalid_payload` when the body is not an object or lacks the id.
 */
export function acceptJsonEvent(
  rawBody: Buffer,
  matchedSecret: number,
  keys: { id: string; type: string; time: string; iso: (v: unknown) => string | undefined },
): VerifyResult {
  const body = parseJsonObject(rawBody);
  const id = str(body?.[keys.id]);
  if (!body || !id) return fail('invalid_payload', `the event has no ${keys.id}`);
  return {
    ok: true,
    eventId: id,
    type: str(body[keys.type]) ?? 'unknown',
    occurredAt: keys.iso(body[keys.time]),
    matchedSecret,
  };
}

/** A verifier from a signature check (the matched secret's index, or a failure) and the body's keys. */
export const jsonEventVerifier =
  (match: (input: VerifyInput) => number | VerifyResult, keys: Parameters<typeof acceptJsonEvent>[2]) =>
  (input: VerifyInput): VerifyResult => {
    const matched = match(input);
    return typeof matched === 'number' ? acceptJsonEvent(input.rawBody, matched, keys) : matched;
  };
