/**
 * Field readers for the item codecs (one codec per kind of record, in that kind's file). Items are
 * written by our own codecs, so a reader converts rather than validates: a field of the wrong type
 * reads as its fallback instead of failing the request.
 */
export type { Item } from './conditional.js';

export const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
export const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number => Number(v ?? 0);
export const optNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
export const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v } : {};

/** One of a closed set of strings; anything else reads as the first. */
export function oneOf<T extends string>(v: unknown, allowed: readonly [T, ...T[]]): T {
  return allowed.find((a) => a === v) ?? allowed[0];
}
