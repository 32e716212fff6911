/**
 * The normalised payment read model: one item per (provider, object type, object id). gsi2 finds an
 * object by id across providers; gsi1 lists a customer's subscriptions.
 */
import type { ObjectState } from '../../delivery/types.js';
import { OBJECT_TYPES } from '../../payments/model.js';
import type { ReadModelRepo } from '../../ports/index.js';
import { type Item, obj, oneOf, optStr, str } from './codec.js';
import { itemAbsent } from './conditional.js';
import { PAYMENT_OBJECT } from './keys.js';
import { DynamoRepo } from './repo.js';

export function objectItem(s: ObjectState): Item {
  return {
    pk: PAYMENT_OBJECT.pk(s.provider, s.objectType, s.objectId),
    sk: PAYMENT_OBJECT.sk,
    kind: PAYMENT_OBJECT.kind,
    gsi2pk: PAYMENT_OBJECT.byIdPk(s.objectType, s.objectId),
    gsi2sk: s.provider,
    ...s,
    ...(s.objectType === 'subscription' && s.customerId
      ? {
          gsi1pk: PAYMENT_OBJECT.customerPk(s.customerId),
          gsi1sk: PAYMENT_OBJECT.subscriptionSk(s.provider, s.objectId),
        }
      : {}),
  };
}

export function objectFromItem(it: Item): ObjectState {
  const amount = obj(it.amount);
  return {
    provider: str(it.provider),
    objectType: oneOf(it.objectType, OBJECT_TYPES),
    objectId: str(it.objectId),
    order: str(it.order),
    status: optStr(it.status),
    customerId: optStr(it.customerId),
    amount:
      it.amount === undefined ? undefined : { amount: Number(amount.amount), currency: str(amount.currency) },
    lastType: str(it.lastType),
    lastEventId: str(it.lastEventId),
    occurredAt: str(it.occurredAt),
    updatedAt: str(it.updatedAt),
    event: obj(it.event),
  };
}

export class DynamoReadModelRepo extends DynamoRepo implements ReadModelRepo {
  /**
   * Writes the state only if it is newer than what is stored: the ordering guard and the
   * exactly-once rule in one condition. A stored key of another basis (its first character) was
   * left by an earlier ordering rule and never compares, so it is replaced.
   */
  async applyState(s: ObjectState): Promise<'applied' | 'stale'> {
    const out = await this.write({
      Put: {
        Item: objectItem(s),
        ConditionExpression: `${itemAbsent} OR #o < :o OR NOT begins_with(#o, :b)`,
        ExpressionAttributeNames: { '#o': 'order' },
        ExpressionAttributeValues: { ':o': s.order, ':b': s.order.slice(0, 1) },
      },
    });
    return out.applied ? 'applied' : 'stale';
  }

  /** An object by its provider id; several providers may share an id, so all matches are returned. */
  async findObjects(objectType: string, objectId: string, provider?: string): Promise<ObjectState[]> {
    const page = await this.queryPage({
      IndexName: 'gsi2',
      KeyConditionExpression: provider ? 'gsi2pk = :p AND gsi2sk = :prov' : 'gsi2pk = :p',
      ExpressionAttributeValues: {
        ':p': PAYMENT_OBJECT.byIdPk(objectType, objectId),
        ...(provider ? { ':prov': provider } : {}),
      },
    });
    return page.items.map(objectFromItem);
  }

  async getObject(provider: string, objectType: string, objectId: string): Promise<ObjectState | undefined> {
    const item = await this.getItem({
      pk: PAYMENT_OBJECT.pk(provider, objectType, objectId),
      sk: PAYMENT_OBJECT.sk,
    });
    return item ? objectFromItem(item) : undefined;
  }

  async customerSubscriptions(customerId: string, provider?: string): Promise<ObjectState[]> {
    const page = await this.queryPage({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :s)',
      ExpressionAttributeValues: {
        ':p': PAYMENT_OBJECT.customerPk(customerId),
        ':s': PAYMENT_OBJECT.subscriptionSkPrefix(provider),
      },
    });
    return page.items.map(objectFromItem);
  }
}
