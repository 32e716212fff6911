/**
 * Pull destinations' streams: per destination generation, a counter item and the messages it
 * numbered, in one partition. Storing takes the next number (an atomic ADD) and then puts the
 * message under it, so numbers are in storing order even across concurrent senders; a reader may
 * see a number missing for the moment between the two writes (shared/delivery/pull.ts waits for it).
 */
import type { PullMessage } from '../../delivery/types.js';
import type { PullMessageRepo, PullStream } from '../../ports/index.js';
import { type Item, num, str } from './codec.js';
import { PULL_MESSAGE } from './keys.js';
import { DynamoRepo } from './repo.js';

const pk = (s: PullStream) => PULL_MESSAGE.pk(s.destinationId, s.generation);

export const pullMessageFromItem = (it: Item): PullMessage => ({
  destinationId: str(it.destinationId),
  generation: str(it.generation),
  seq: num(it.seq),
  eventId: str(it.eventId),
  part: num(it.part),
  round: num(it.round),
  webhookId: str(it.webhookId),
  type: str(it.type),
  storedAt: str(it.storedAt),
});

export class DynamoPullMessageRepo extends DynamoRepo implements PullMessageRepo {
  async appendMessage(m: Omit<PullMessage, 'seq'>, ttl?: number): Promise<number> {
    const counter = await this.write({
      Update: {
        Key: { pk: pk(m), sk: PULL_MESSAGE.counterSk },
        UpdateExpression: 'ADD #seq :one SET #kind = :k',
        ExpressionAttributeNames: { '#seq': 'seq', '#kind': 'kind' },
        ExpressionAttributeValues: { ':one': 1, ':k': PULL_MESSAGE.counterKind },
        ReturnValues: 'UPDATED_NEW',
      },
    });
    const seq = num(counter.applied ? counter.attributes?.seq : undefined);
    await this.putItem({ pk: pk(m), sk: PULL_MESSAGE.sk(seq), kind: PULL_MESSAGE.kind, ttl, ...m, seq });
    return seq;
  }

  async listMessages(stream: PullStream, after: number, limit: number): Promise<PullMessage[]> {
    const page = await this.queryPage({
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':p': pk(stream),
        ':from': PULL_MESSAGE.sk(after + 1),
        ':to': PULL_MESSAGE.sk(PULL_MESSAGE.maxSeq),
      },
      Limit: limit,
      ConsistentRead: true,
    });
    return page.items.map(pullMessageFromItem);
  }

  async dropStream(stream: PullStream): Promise<void> {
    await this.deleteItem({ pk: pk(stream), sk: PULL_MESSAGE.counterSk });
  }
}
