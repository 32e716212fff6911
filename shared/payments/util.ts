/** Helpers shared by the mappers: exact decimal -> minor units, time and order keys. */
import type { NormalisedPaymentEvent } from './model.js';

const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

export const currencyExponent = (currency: string): number =>
  ZERO_DECIMAL.has(currency) ? 0 : THREE_DECIMAL.has(currency) ? 3 : 2;

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

export function money(amount: unknown, currency: unknown): { amount: number; currency: string } | undefined {
  const cur = upper(currency);
  const n = typeof amount === 'string' && /^-?\d+$/.test(amount) ? Number(amount) : amount;
  if (!cur || typeof n !== 'number' || !Number.isInteger(n)) return undefined;
  return { amount: n, currency: cur };
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

/** Lifecycle rank: breaks ties between events with the same provider time (same-second events). */
const RANK: Record<NormalisedPaymentEvent['type'], number> = {
  'checkout.completed': 1,
  'subscription.created': 1,
  'subscription.updated': 2,
  'subscription.canceled': 3,
  'payment.failed': 1,
  'payment.succeeded': 2,
  'payment.refunded': 3,
  'invoice.payment_failed': 1,
  'invoice.paid': 2,
  'dispute.opened': 1,
  'dispute.closed': 2,
};

/**
 * Order key: `t{ms, 15 digits}` or `v{version, 15 digits}`, then the lifecycle rank, then the
 * provider event id. Keys of one object always come from the same rule, so they compare.
 */
export function orderKey(
  basis: { timeIso: string } | { version: number },
  type: NormalisedPaymentEvent['type'],
  providerEventId: string,
): string {
  const head =
    'version' in basis
      ? `v${String(basis.version).padStart(15, '0')}`
      : `t${String(Date.parse(basis.timeIso)).padStart(15, '0')}`;
  return `${head}#${RANK[type]}#${providerEventId}`;
}
