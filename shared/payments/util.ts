/** Helpers shared by the mappers: exact decimal -> minor units, time and order keys. */
import type { PaymentType } from './model.js';

/** ISO 4217 minor-unit exponents that are not 2 (funds codes included). */
const ISO_EXPONENT: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ').map((c) => [c, 0]),
  ),
  ...Object.fromEntries('BHD IQD JOD KWD LYD OMR TND'.split(' ').map((c) => [c, 3])),
  CLF: 4,
  UYW: 4,
};

/**
 * Where a provider's integer amounts use another exponent than ISO 4217 (provider slug ->
 * currency -> the provider's exponent). Stripe: ISK stays two-decimal, MGA is zero-decimal
 * (https://docs.stripe.com/currencies#special-cases). Adyen: CLP 2, ISK 2, IDR 0, CVE 0
 * (https://docs.adyen.com/development-resources/currency-codes).
 */
export const PROVIDER_EXPONENTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  stripe: { ISK: 2, MGA: 0 },
  adyen: { CLP: 2, ISK: 2, IDR: 0, CVE: 0 },
};

/** The ISO 4217 exponent (minor-unit digits) of an upper-case currency code. */
export const currencyExponent = (currency: string): number => ISO_EXPONENT[currency] ?? 2;

/** The exponent a provider's integer amounts use for the currency. */
export const providerExponent = (provider: string, currency: string): number =>
  PROVIDER_EXPONENTS[provider]?.[currency] ?? currencyExponent(currency);

/**
 * A provider's integer amount -> ISO 4217 minor units: Adyen CLP 1000 (10.00 CLP) -> 10, Adyen IDR
 * 10000 (10000 IDR) -> 1000000. Undefined when the amount has a fraction ISO cannot express.
 */
export function toIsoMinor(amount: number, currency: string, provider: string): number | undefined {
  const shift = currencyExponent(currency) - providerExponent(provider, currency);
  if (shift >= 0) return amount * 10 ** shift;
  const div = 10 ** -shift;
  return amount % div === 0 ? amount / div : undefined;
}

/** "10.5" USD -> 1050, parsed as a string so no float rounding can creep in. */
export function decimalToMinor(value: string | number, currency: string): number | undefined {
  const s = String(value).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  const exp = currencyExponent(currency.toUpperCase());
  const frac = (m[3] ?? '').padEnd(exp, '0');
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) return undefined;
  const n = Number(`${m[2]}${frac.slice(0, exp)}`);
  return m[1] ? -n : n;
}

export const upper = (c: unknown): string | undefined =>
  typeof c === 'string' && /^[a-zA-Z]{3}$/.test(c) ? c.toUpperCase() : undefined;

/**
 * A provider's integer minor-unit amount -> ISO 4217 money; pass `provider` where its exponents
 * differ from ISO's (PROVIDER_EXPONENTS).
 */
export function money(
  amount: unknown,
  currency: unknown,
  provider = '',
): { amount: number; currency: string } | undefined {
  const cur = upper(currency);
  const n = typeof amount === 'string' && /^-?\d+$/.test(amount) ? Number(amount) : amount;
  if (!cur || typeof n !== 'number' || !Number.isInteger(n)) return undefined;
  const iso = toIsoMinor(n, cur, provider);
  return iso === undefined ? undefined : { amount: iso, currency: cur };
}

/** The sum of several amounts of one currency; undefined when any is missing or currencies differ. */
export function sumMoney(
  parts: ({ amount: number; currency: string } | undefined)[],
): { amount: number; currency: string } | undefined {
  const first = parts[0];
  if (!first || parts.some((p) => !p || p.currency !== first.currency)) return undefined;
  return { amount: parts.reduce((sum, p) => sum + p!.amount, 0), currency: first.currency };
}

export function decimalMoney(
  value: unknown,
  currency: unknown,
): { amount: number; currency: string } | undefined {
  const cur = upper(currency);
  if (!cur || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  const amount = decimalToMinor(value, cur);
  return amount === undefined ? undefined : { amount, currency: cur };
}

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

export const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Seconds (Stripe, Razorpay) or an ISO string -> ISO 8601 UTC. */
export function isoFrom(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString();
  if (typeof v === 'string' && v) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return undefined;
}

/** Keeps only defined string ids. */
export function ids(map: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    const s = str(v);
    if (s) out[k] = s;
  }
  return out;
}

/** An object's ordering basis: the provider's time (any RFC 3339 precision) or its own counter. */
export type OrderBasis = { timeIso: string } | { version: number };

/**
 * Lifecycle rank per object kind: it orders two states with the same basis (same second), the
 * later lifecycle step winning. Subscriptions are ranked by their state (`subscriptionRank`).
 */
const RANK: Record<PaymentType, number> = {
  'payment.processing': 1,
  'payment.authorized': 2,
  'payment.failed': 3,
  'payment.canceled': 4,
  'payment.succeeded': 5,
  'payment.refund_failed': 9,
  'payment.refunded': 7, // partially_refunded 7, refunded 8
  'refund.pending': 1,
  'refund.succeeded': 2,
  'refund.failed': 3,
  'checkout.awaiting_payment': 1,
  'checkout.payment_failed': 2,
  'checkout.expired': 2,
  'checkout.completed': 3,
  'subscription.created': 1,
  'subscription.updated': 1,
  'subscription.paused': 3,
  'subscription.reactivated': 4,
  'subscription.cancel_scheduled': 5,
  'subscription.canceled': 6,
  'invoice.payment_failed': 1,
  'invoice.partially_paid': 2,
  'invoice.paid': 3,
  'dispute.opened': 1,
  'dispute.closed': 2,
};

/** Provider subscription status words (lower case, `_` for space/hyphen) -> lifecycle rank. */
const SUBSCRIPTION_STATUS_RANK: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    ['incomplete', 'pending', 'approval_pending', 'approved', 'created', 'authenticated'].map((s) => [s, 1]),
  ),
  ...Object.fromEntries(['trialing', 'on_trial', 'trial'].map((s) => [s, 2])),
  ...Object.fromEntries(['past_due', 'unpaid', 'halted', 'suspended', 'paused'].map((s) => [s, 3])),
  active: 4,
  ...Object.fromEntries(
    ['canceled', 'cancelled', 'expired', 'incomplete_expired', 'deactivated', 'completed'].map((s) => [s, 6]),
  ),
};

/**
 * The lifecycle rank of the state an event leaves its object in. A subscription's created or
 * updated event is ranked by its status (incomplete 1 < trialing 2 < past due, unpaid, paused 3 <
 * active 4 < canceled 6; unknown words count as active); other types by the table above.
 */
export function stateRank(type: PaymentType, status?: string): number {
  if (type === 'payment.refunded') return status === 'refunded' ? 8 : 7;
  if (type !== 'subscription.created' && type !== 'subscription.updated') return RANK[type];
  const word = status?.toLowerCase().replace(/[\s-]+/g, '_');
  return word ? (SUBSCRIPTION_STATUS_RANK[word] ?? 4) : RANK[type];
}

/** Microseconds since the epoch of an RFC 3339 time, keeping up to 6 fraction digits. */
export function epochMicros(timeIso: string): number {
  const ms = Date.parse(timeIso);
  const micro = Number(/T[\d:]+\.\d{3}(\d{1,3})/.exec(timeIso)?.[1]?.padEnd(3, '0') ?? '0');
  return ms * 1000 + micro;
}

/**
 * The ordering guard's key: `t{epoch µs, 18 digits}` or `v{version, 15 digits}`, then `#` and the
 * lifecycle rank. The guard writes a state only when its key is larger than the stored one, so
 * an equal key (a replay, or the same step of the lifecycle in the same instant) changes nothing,
 * and no event id ever breaks a tie. A mapper uses one basis per object kind, so keys compare.
 */
export function orderKey(basis: OrderBasis, rank: number): string {
  const head =
    'version' in basis
      ? `v${String(basis.version).padStart(15, '0')}`
      : `t${String(epochMicros(basis.timeIso)).padStart(18, '0')}`;
  return `${head}#${rank}`;
}
