/** Stream images (DynamoDB JSON) <-> plain items, for events-process and the local stream emulator. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** Lambda stream events carry binary (B / BS) as base64 strings; unmarshall expects bytes. */
function decodeBinary(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const av = v as Record<string, unknown>;
  if (typeof av.B === 'string') return { B: Buffer.from(av.B, 'base64') };
  if (Array.isArray(av.BS))
    return { BS: av.BS.map((b) => (typeof b === 'string' ? Buffer.from(b, 'base64') : b)) };
  if (Array.isArray(av.L)) return { L: av.L.map(decodeBinary) };
  if (av.M && typeof av.M === 'object')
    return {
      M: Object.fromEntries(
        Object.entries(av.M as Record<string, unknown>).map(([k, x]) => [k, decodeBinary(x)]),
      ),
    };
  return v;
}

export const imageToItem = (image: Record<string, unknown>): Record<string, unknown> =>
  unmarshall(
    Object.fromEntries(Object.entries(image).map(([k, v]) => [k, decodeBinary(v)])) as Record<
      string,
      AttributeValue
    >,
  );

export const itemToImage = (item: Record<string, unknown>): Record<string, AttributeValue> =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
