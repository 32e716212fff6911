/**
 * Opaque page cursors: a query's LastEvaluatedKey as base64url JSON. A cursor sent back is checked
 * before it reaches DynamoDB (which would answer a foreign key with a ValidationException, i.e. a
 * 503): it must hold exactly the index's key attributes, all strings, and any fixed values the
 * query's key condition implies, each at most 1,024 UTF-8 bytes (DynamoDB's sort-key limit; every
 * key we write is far shorter). Anything else is `400 invalid_cursor`.
 */
import { HookbridgeError } from '../../errors.js';

export type CursorKey = Record<string, string>;

/** The most UTF-8 bytes one decoded key value may have. */
export const MAX_CURSOR_VALUE_BYTES = 1024;

const isKeyValue = (v: unknown): v is string =>
  typeof v === 'string' && v !== '' && Buffer.byteLength(v, 'utf8') <= MAX_CURSOR_VALUE_BYTES;

export const invalidCursor = (): HookbridgeError =>
  new HookbridgeError('invalid_cursor', 'The cursor is not one this API returned for these filters');

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * `requiredKeys`: the attribute names the key must have, and no others (for a GSI: pk, sk and the
 * index's own pk/sk). `fixed`: values some of them must equal (e.g. the index partition queried).
 */
export function decodeCursor(
  cursor: string | undefined,
  requiredKeys: readonly string[],
  fixed: Readonly<Record<string, string>> = {},
): CursorKey | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const key = parse(cursor);
  const names = key ? Object.keys(key) : [];
  if (
    !key ||
    names.length !== requiredKeys.length ||
    !requiredKeys.every((k) => isKeyValue(key[k])) ||
    !Object.entries(fixed).every(([k, v]) => key[k] === v)
  )
    throw invalidCursor();
  return key as CursorKey;
}

function parse(cursor: string): Record<string, unknown> | undefined {
  if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
