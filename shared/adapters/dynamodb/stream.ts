/** Stream images (DynamoDB JSON) <-> plain items, for events-process and the local stream emulator. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

export const imageToItem = (image: Record<string, unknown>): Record<string, unknown> =>
  unmarshall(image as Record<string, AttributeValue>);

export const itemToImage = (item: Record<string, unknown>): Record<string, AttributeValue> =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
