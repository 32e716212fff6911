/**
 * Console sessions: one item per signed-in cookie, read (consistently) on every console call and
 * deleted at sign-out, so a copied cookie stops working at once. dynalite never expires items, so
 * reads check `expiresAt` themselves; the TTL removes them an hour later on AWS.
 */
import type { ConsoleSessionRecord, ConsoleSessionRepo } from '../../ports/index.js';
import { num } from './codec.js';
import { CONSOLE_SESSION } from './keys.js';
import { DynamoRepo } from './repo.js';

const key = (id: string) => ({ pk: CONSOLE_SESSION.pk(id), sk: CONSOLE_SESSION.sk });
/** Sessions ended per `deleteAll` call at most (sessions last 30 minutes, so far more than exist). */
const END_ALL_MAX = 10_000;

export class DynamoConsoleSessionRepo extends DynamoRepo implements ConsoleSessionRepo {
  async put(s: ConsoleSessionRecord): Promise<void> {
    await this.putItem({
      ...key(s.id),
      kind: CONSOLE_SESSION.kind,
      gsi1pk: CONSOLE_SESSION.allPk,
      gsi1sk: CONSOLE_SESSION.listSk(s.expiresAt, s.id),
      ttl: Math.ceil(s.expiresAt / 1000) + 3600,
      ...s,
    });
  }

  async isLive(id: string, now: number): Promise<boolean> {
    const item = await this.getItem(key(id), true, ['expiresAt']);
    return item !== undefined && num(item.expiresAt) > now;
  }

  delete(id: string): Promise<boolean> {
    return this.deleteItem(key(id));
  }

  /** Reads the session list (unexpired first pages only) and deletes each. */
  async deleteAll(now: number): Promise<number> {
    let ended = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.queryPage({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk > :now',
        ExpressionAttributeValues: { ':p': CONSOLE_SESSION.allPk, ':now': String(now) },
        ExclusiveStartKey: start,
      });
      const done = await Promise.all(page.items.map((it) => this.delete(String(it.id))));
      ended += done.filter(Boolean).length;
      start = page.next;
    } while (start && ended < END_ALL_MAX);
    return ended;
  }
}
