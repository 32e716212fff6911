import { describe, expect, it } from 'vitest';
import { HookbridgeError } from '../../shared/errors.js';
import { checkReadiness } from '../../shared/readiness.js';

const ok = () => Promise.resolve();
const fails = () => Promise.reject(new Error('connect ECONNREFUSED'));
const hangs = () => new Promise<never>(() => {});

/** The not-ready error `p` rejects with. */
async function notReady(p: Promise<unknown>): Promise<HookbridgeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HookbridgeError);
    return e as HookbridgeError;
  }
  throw new Error('expected not ready');
}

describe('checkReadiness', () => {
  it('is ready when every check answers', async () => {
    await expect(checkReadiness({ store: ok, secrets: ok })).resolves.toEqual({
      status: 'ready',
      checks: { store: 'ok', secrets: 'ok' },
    });
  });

  it('names what is down, with the code of the first one down', async () => {
    const store = await notReady(checkReadiness({ store: fails, secrets: ok }));
    expect(store.status).toBe(503);
    expect(store.code).toBe('store_unavailable');
    expect(store.extensions).toEqual({ checks: { store: 'down', secrets: 'ok' } });
    const secrets = await notReady(checkReadiness({ store: ok, secrets: fails }));
    expect(secrets.code).toBe('secrets_unavailable');
    expect(secrets.extensions).toEqual({ checks: { store: 'ok', secrets: 'down' } });
    const both = await notReady(checkReadiness({ store: fails, secrets: fails }));
    expect(both.extensions).toEqual({ checks: { store: 'down', secrets: 'down' } });
    // The cause is never shown.
    expect(both.message).not.toContain('ECONNREFUSED');
  });

  it('counts a check that hangs past the timeout as down, and never hangs itself', async () => {
    const started = Date.now();
    const err = await notReady(checkReadiness({ store: hangs, secrets: ok }, 50));
    expect(err.extensions).toEqual({ checks: { store: 'down', secrets: 'ok' } });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
