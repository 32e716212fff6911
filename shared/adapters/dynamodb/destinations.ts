/** The app's destinations (HTTP and pull): one item each, listed through gsi1. */
import type { Destination } from '../../delivery/types.js';
import type { DestinationRepo, Page } from '../../ports/index.js';
import { type Item, obj, oneOf, optNum, optStr, str, strs } from './codec.js';
import { circuitFromItem, circuitItem } from './flow.js';
import { DESTINATION } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (id: string) => ({ pk: DESTINATION.pk(id), sk: DESTINATION.sk });

export const destinationItem = ({ circuit, ...d }: Destination): Item => ({
  pk: DESTINATION.pk(d.id),
  sk: DESTINATION.sk,
  kind: DESTINATION.kind,
  gsi1pk: DESTINATION.allPk,
  gsi1sk: d.id,
  ...d,
  ...circuitItem(circuit),
});

export const destinationFromItem = (it: Item): Destination => ({
  id: str(it.id),
  type: it.type === 'pull' || it.type === 'http' ? it.type : undefined,
  url: optStr(it.url),
  types: strs(it.types),
  secret: str(it.secret),
  status: oneOf(it.status, ['enabled', 'disabled']),
  disabledReason: optStr(it.disabledReason),
  description: optStr(it.description),
  generation: optStr(it.generation),
  rateLimit: it.rateLimit === undefined ? undefined : { perSecond: Number(obj(it.rateLimit).perSecond) },
  maxInFlight: optNum(it.maxInFlight),
  circuitBreaker: it.circuitBreaker === undefined ? undefined : obj(it.circuitBreaker),
  circuit: circuitFromItem(it),
  createdAt: str(it.createdAt),
  updatedAt: str(it.updatedAt),
});

export class DynamoDestinationRepo extends DynamoRepo implements DestinationRepo {
  async putDestination(d: Destination): Promise<void> {
    await this.putItem(destinationItem(d));
  }

  async getDestination(id: string): Promise<Destination | undefined> {
    const item = await this.getItem(key(id));
    return item ? destinationFromItem(item) : undefined;
  }

  deleteDestination(id: string): Promise<boolean> {
    return this.deleteItem(key(id));
  }

  async listDestinations(): Promise<Destination[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': DESTINATION.allPk },
    });
    return items.map(destinationFromItem);
  }

  async pageDestinations(limit: number, cursor?: string): Promise<Page<Destination>> {
    const page = await this.listPage(DESTINATION.allPk, limit, cursor);
    return { ...page, items: page.items.map(destinationFromItem) };
  }

  async disableDestination(id: string, reason: string, at: string): Promise<void> {
    await this.updateExisting(
      key(id),
      'SET #s = :d, disabledReason = :r, updatedAt = :at',
      { ':d': 'disabled', ':r': reason, ':at': at },
      { '#s': 'status' },
    );
  }
}
