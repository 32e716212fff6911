/**
 * Revocation retried after a failed delete (connections/revoke.ts) over the in-memory stores: the
 * job keeps the sealed tokens, backs off 1, 2, 4 … min (at most 6 h), ends on the provider's
 * confirmation or final answer, and gives up after REVOCATION_MAX_ATTEMPTS.
 */
import { describe, expect, it } from 'vitest';
import {
  deleteConnection,
  REVOCATION_MAX_ATTEMPTS,
  retryRevocations,
  revocationBackoffMs,
} from '../../shared/connections/revoke.js';
import { connectionHarness, connectionRecord, json } from '../support/connection-deps.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const REVOKE = 'https://idp.example.com/revoke';

async function deletedWith(answers: (() => Response)[]) {
  let i = 0;
  const h = connectionHarness(NOW, {
    [REVOKE]: () => (answers[Math.min(i++, answers.length - 1)] ?? (() => json({})))(),
  });
  await h.integration('stub', {
    type: 'oauth',
    provider: 'oauth2',
    authorizationUrl: 'https://idp.example.com/authorize',
    tokenUrl: 'https://idp.example.com/token',
    revocationUrl: REVOKE,
    allowedReturnUrls: ['https://app.example.com/done'],
  });
  const c = connectionRecord(NOW, {
    tokens: await h.seal({ accessToken: 'at', refreshToken: 'rt', tokenType: 'Bearer' }),
  });
  await h.stores.connections.save(c, undefined);
  const out = await deleteConnection(h.deps, c.id);
  return { h, c, out };
}

const unavailable = () => new Response('', { status: 503 });
const ok = () => new Response('', { status: 200 });

describe('revocation retry', () => {
  it('backs off 1 min, doubling, at most 6 h', () => {
    expect([1, 2, 3, 4, 9, 10, 15].map((a) => revocationBackoffMs(a) / 60_000)).toEqual([
      1, 2, 4, 8, 256, 360, 360,
    ]);
  });

  it('a 503 at delete stores a pending job with the sealed tokens; nothing retried before it is due', async () => {
    const { h, c, out } = await deletedWith([unavailable, ok]);
    expect(out).toMatchObject({ revoked: false, revocationRetry: { status: 'pending', attempts: 1 } });
    expect(await h.stores.connections.get(c.id)).toBeUndefined();
    expect(h.stores.connections.revocations.get(c.id)).toMatchObject({
      tokens: c.tokens,
      nextAttemptAt: NOW + 60_000,
    });
    expect(await retryRevocations(h.deps)).toEqual({ retried: 0, revoked: 0, failed: 0 });
    h.clock.now += 60_000;
    expect(await retryRevocations(h.deps)).toEqual({ retried: 1, revoked: 1, failed: 0 });
    expect(h.seen.map((r) => r.form.token_type_hint)).toEqual([
      'refresh_token',
      'refresh_token',
      'access_token',
    ]);
    expect(await h.stores.connections.getRevocation(c.id)).toMatchObject({
      status: 'revoked',
      attempts: 2,
      nextAttemptAt: undefined,
    });
    expect(h.events.at(-1)).toMatchObject({
      type: 'connection.revoked',
      data: { revokedAtProvider: true, attempts: 2 },
    });
  });

  it('a final answer (400) ends the job as failed, naming it', async () => {
    const { h, c } = await deletedWith([unavailable, () => json({ error: 'invalid_request' }, 400)]);
    h.clock.now += 60_000;
    expect(await retryRevocations(h.deps)).toEqual({ retried: 1, revoked: 0, failed: 1 });
    expect(await h.stores.connections.getRevocation(c.id)).toMatchObject({
      status: 'failed',
      lastError: 'revocation endpoint answered HTTP 400',
    });
  });

  it('on a retry, "already gone" (400 invalid_token) counts as revoked: an earlier attempt ended the grant', async () => {
    const { h, c } = await deletedWith([unavailable, () => json({ error: 'invalid_token' }, 400)]);
    h.clock.now += 60_000;
    expect(await retryRevocations(h.deps)).toEqual({ retried: 1, revoked: 1, failed: 0 });
    expect(await h.stores.connections.getRevocation(c.id)).toMatchObject({ status: 'revoked', attempts: 2 });
  });

  it('a 401 at delete is final: no job', async () => {
    const { h, c, out } = await deletedWith([() => json({ error: 'invalid_client' }, 401)]);
    expect(out).toEqual({ revoked: false, revocationError: 'revocation endpoint answered HTTP 401' });
    expect(await h.stores.connections.getRevocation(c.id)).toBeUndefined();
  });

  it(`gives up after ${REVOCATION_MAX_ATTEMPTS} attempts`, async () => {
    const { h, c } = await deletedWith([unavailable]);
    for (let i = 1; i < REVOCATION_MAX_ATTEMPTS; i++) {
      h.clock.now += revocationBackoffMs(i);
      await retryRevocations(h.deps);
    }
    expect(await h.stores.connections.getRevocation(c.id)).toMatchObject({
      status: 'failed',
      attempts: REVOCATION_MAX_ATTEMPTS,
      lastError: `revocation endpoint answered HTTP 503 (gave up after ${REVOCATION_MAX_ATTEMPTS} attempts)`,
    });
    expect(h.seen).toHaveLength(REVOCATION_MAX_ATTEMPTS);
  });
});
