/**
 * DynamoDB item sizes and request units, by the rules AWS documents ("DynamoDB item sizes and
 * formats", developer guide): names and strings count their UTF-8 bytes, binary its raw bytes, a
 * number 1 byte per two significant digits plus 1, null and boolean 1 byte, a list or map 3 bytes
 * plus 1 byte per element. Items are in DynamoDB JSON (AttributeValue maps), as on the wire.
 * On-demand units: a write is 1 WRU per started KB, a strongly consistent read 1 RRU per started
 * 4 KB (eventually consistent half that); transactional reads and writes cost twice.
 */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Significant digits of a number's text: sign, point and exponent dropped, leading and trailing zeros trimmed. */
function significantDigits(n: string): number {
  const mantissa = n.toLowerCase().split('e')[0]!.replace(/[-+.]/g, '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '').length;
}

const numberSize = (n: string) => Math.ceil(significantDigits(n) / 2) + 1;

/** The size of one value, without its name. */
export function valueSize(v: AttributeValue): number {
  const [type, x] = Object.entries(v)[0] ?? [];
  switch (type) {
    case 'S':
      return utf8(x as string);
    case 'N':
      return numberSize(x as string);
    case 'B':
      return Buffer.from(x as string, 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (x as string[]).reduce((s, e) => s + utf8(e), 0);
    case 'NS':
      return (x as string[]).reduce((s, e) => s + numberSize(e), 0);
    case 'BS':
      return (x as string[]).reduce((s, e) => s + Buffer.from(e, 'base64').length, 0);
    case 'L':
      return 3 + (x as AttributeValue[]).reduce((s, e) => s + 1 + valueSize(e), 0);
    case 'M':
      return 3 + Object.entries(x as Item).reduce((s, [k, e]) => s + 1 + utf8(k) + valueSize(e), 0);
    default:
      throw new Error(`not a DynamoDB attribute value: ${JSON.stringify(v)}`);
  }
}

/** An item's size in bytes: each top-level name plus its value. */
export const itemSize = (item: Item): number =>
  Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + valueSize(v), 0);

/** WRU for one write of `bytes` (at least 1); `transactional` doubles it. */
export const writeUnits = (bytes: number, transactional = false): number =>
  Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);

/** RRU for reading `bytes` (at least one 4 KB unit): 1 per 4 KB strongly consistent, half eventually, twice in a transaction. */
export const readUnits = (bytes: number, read: 'eventual' | 'strong' | 'transactional'): number =>
  Math.max(1, Math.ceil(bytes / 4096)) * { eventual: 0.5, strong: 1, transactional: 2 }[read];

/** A GSI as CreateTable declares it. */
export interface IndexDefinition {
  IndexName?: string | undefined;
  KeySchema?: { AttributeName?: string | undefined }[] | undefined;
  Projection?: { ProjectionType?: string | undefined; NonKeyAttributes?: string[] | undefined } | undefined;
}

/**
 * The copy of `item` that `index` holds, or undefined when the item lacks one of the index's key
 * attributes (a sparse index does not hold it). Table keys are always projected.
 */
export function indexCopy(item: Item, index: IndexDefinition, tableKeys: string[]): Item | undefined {
  const keys = (index.KeySchema ?? []).map((k) => k.AttributeName!);
  if (keys.some((k) => item[k] === undefined)) return undefined;
  const type = index.Projection?.ProjectionType ?? 'ALL';
  if (type === 'ALL') return item;
  const keep = new Set([
    ...keys,
    ...tableKeys,
    ...(type === 'INCLUDE' ? (index.Projection?.NonKeyAttributes ?? []) : []),
  ]);
  return Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)));
}

/** JSON with map keys sorted (a stored item and a request item list them in different orders). */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );

/**
 * WRU an item change costs in one index: a put for a new copy, a delete for a removed one, both
 * when the index key changed, one write when a projected attribute changed, none otherwise.
 */
export function indexWriteUnits(
  before: Item | undefined,
  after: Item | undefined,
  index: IndexDefinition,
  tableKeys: string[],
): number {
  const a = before && indexCopy(before, index, tableKeys);
  const b = after && indexCopy(after, index, tableKeys);
  if (!a && !b) return 0;
  if (!a) return writeUnits(itemSize(b!));
  if (!b) return writeUnits(itemSize(a));
  const keys = (index.KeySchema ?? []).map((k) => k.AttributeName!);
  const same = (x: Item, y: Item, names: string[]) => names.every((n) => canonical(x[n]) === canonical(y[n]));
  if (!same(a, b, keys)) return writeUnits(itemSize(a)) + writeUnits(itemSize(b));
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return same(a, b, names) ? 0 : writeUnits(itemSize(b));
}
