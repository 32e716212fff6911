/**
 * Connect sessions and OAuth states: short-lived, single-use records with a TTL. dynalite never
 * expires items, so every read also checks the expiry itself.
 */
import type { ConnectSession, OAuthState } from '../../connections/model.js';
import type { OAuthSessionRepo, SessionConsumeResult, StateTakeResult } from '../../ports/index.js';
import { type Item, num, obj, optStr, str, strs } from './codec.js';
import { itemAbsent, itemExists } from './conditional.js';
import { SESSION, STATE } from './keys.js';
import { DynamoRepo } from './repo.js';

const sessionKey = (id: string) => ({ pk: SESSION.pk(id), sk: SESSION.sk });
const stateKey = (state: string) => ({ pk: STATE.pk(state), sk: STATE.sk });
/** The item of a short-lived record: kept an hour past its expiry (reads check `expiresAt`). */
const expiringItem = (key: Item, kind: string, rec: { expiresAt: number }): Item => ({
  ...key,
  kind,
  ttl: Math.ceil(rec.expiresAt / 1000) + 3600,
  ...rec,
});

export const sessionItem = (s: ConnectSession): Item => expiringItem(sessionKey(s.id), SESSION.kind, s);

export const sessionFromItem = (it: Item): ConnectSession => ({
  id: str(it.id),
  integrationId: str(it.integrationId),
  endUserId: str(it.endUserId),
  returnUrl: optStr(it.returnUrl),
  metadata: obj(it.metadata),
  createdAt: str(it.createdAt),
  expiresAt: num(it.expiresAt),
  usedAt: optStr(it.usedAt),
});

export const stateItem = (s: OAuthState): Item => expiringItem(stateKey(s.state), STATE.kind, s);

export const stateFromItem = (it: Item): OAuthState => ({
  state: str(it.state),
  sessionId: str(it.sessionId),
  integrationId: str(it.integrationId),
  endUserId: str(it.endUserId),
  returnUrl: optStr(it.returnUrl),
  metadata: obj(it.metadata),
  bindingHash: str(it.bindingHash),
  codeVerifier: optStr(it.codeVerifier),
  nonce: optStr(it.nonce),
  redirectUri: str(it.redirectUri),
  scopes: strs(it.scopes),
  expiresAt: num(it.expiresAt),
});

export class DynamoOAuthSessionRepo extends DynamoRepo implements OAuthSessionRepo {
  async putSession(s: ConnectSession): Promise<void> {
    await this.putItem(sessionItem(s), { ConditionExpression: itemAbsent });
  }

  /** Marks the session used, once, if it has not expired. */
  async consumeSession(id: string, now: number): Promise<SessionConsumeResult> {
    const out = await this.write(
      {
        Update: {
          Key: sessionKey(id),
          UpdateExpression: 'SET usedAt = :at',
          ConditionExpression: `${itemExists} AND attribute_not_exists(usedAt) AND expiresAt > :now`,
          ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ':now': now },
          ReturnValues: 'ALL_NEW',
        },
      },
      { old: true },
    );
    if (out.applied) return { ok: true, session: sessionFromItem(out.attributes ?? {}) };
    if (!out.old) return { ok: false, reason: 'unknown' };
    return { ok: false, reason: out.old.usedAt ? 'used' : 'expired' };
  }

  async getSession(id: string): Promise<ConnectSession | undefined> {
    const item = await this.getItem(sessionKey(id), false);
    return item ? sessionFromItem(item) : undefined;
  }

  async putState(s: OAuthState): Promise<void> {
    await this.putItem(stateItem(s), { ConditionExpression: itemAbsent });
  }

  /**
   * Consumes a state with a conditional delete that also requires the browser's binding hash:
   * of two concurrent callbacks only one gets it, and a wrong cookie never destroys it.
   * `binding`: the state exists (unexpired) but the hash differs; `unknown`: absent, used or expired.
   */
  async takeState(state: string, now: number, bindingHash: string): Promise<StateTakeResult> {
    const out = await this.write(
      {
        Delete: {
          Key: stateKey(state),
          ConditionExpression: `${itemExists} AND bindingHash = :h`,
          ExpressionAttributeValues: { ':h': bindingHash },
          ReturnValues: 'ALL_OLD',
        },
      },
      { old: true },
    );
    if (!out.applied) {
      const live = out.old !== undefined && num(out.old.expiresAt) > now;
      return { ok: false, reason: live ? 'binding' : 'unknown' };
    }
    const s = out.attributes && stateFromItem(out.attributes);
    if (!s || s.expiresAt <= now) return { ok: false, reason: 'unknown' };
    return { ok: true, state: s };
  }
}
