import { describe, expect, it } from 'vitest';
import type { SecretStore } from '../../shared/ports/index.js';
import { howToSetSecret, placeholderError, SecretCache } from '../../shared/secrets.js';

function counted(values: Record<string, unknown>) {
  const reads: string[] = [];
  const store: SecretStore = {
    kind: 'file',
    getSecret: async (name) => {
      reads.push(name);
      return values[name];
    },
  };
  return { store, reads };
}

describe('SecretCache', () => {
  it('keeps at most maxNames names, misses included, so random names cannot grow memory', async () => {
    const { store } = counted({ known: '{"secrets":["k"]}' });
    const cache = new SecretCache(store, { now: () => 0 }, 300_000, {}, 50);
    for (let i = 0; i < 1000; i++)
      expect(await cache.get(`hookbridge/webhooks/stripe/src-${i}`)).toBeUndefined();
    expect(cache.size).toBe(50);
  });

  it('evicts the least recently used name, not the most recently read one', async () => {
    const { store, reads } = counted({ a: 'A', b: 'B', c: 'C', d: 'D' });
    const cache = new SecretCache(store, { now: () => 0 }, 300_000, {}, 3);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    await cache.get('a'); // a is now the most recent; b the least
    await cache.get('d'); // evicts b
    reads.length = 0;
    expect(await cache.get('a')).toBe('A');
    expect(await cache.get('c')).toBe('C');
    expect(await cache.get('d')).toBe('D');
    expect(reads).toEqual([]);
    expect(await cache.get('b')).toBe('B');
    expect(reads).toEqual(['b']);
    expect(cache.size).toBe(3);
  });

  it('still serves from the cache within the ttl and re-reads after it', async () => {
    let now = 0;
    const { store, reads } = counted({ a: 'A' });
    const cache = new SecretCache(store, { now: () => now }, 1000);
    await cache.get('a');
    await cache.get('a');
    expect(reads).toEqual(['a']);
    now = 1001;
    await cache.get('a');
    expect(reads).toEqual(['a', 'a']);
  });
});

/**
 * The receive path with a fake store and a fixed clock: read the cached secret, and after a bad
 * signature force a re-read and verify again. Returns whether `presented` matched in the end.
 */
async function verify(cache: SecretCache, name: string, presented: string): Promise<boolean> {
  if ((await cache.get(name)) === presented) return true;
  return (await cache.refreshAfterFailure(name)) && (await cache.get(name)) === presented;
}

describe('SecretCache forced re-read after a verification failure', () => {
  it('re-reads only a cached copy older than minAgeMs, and reports whether the value changed', async () => {
    let now = 0;
    const values: Record<string, unknown> = { a: 'A' };
    const { store, reads } = counted(values);
    const cache = new SecretCache(store, { now: () => now }, 300_000, { minAgeMs: 3000 });
    await cache.get('a');
    now = 2999;
    expect(await cache.refreshAfterFailure('a')).toBe(false);
    expect(reads).toEqual(['a']);
    now = 3000;
    expect(await cache.refreshAfterFailure('a')).toBe(false); // re-read, unchanged
    expect(reads).toEqual(['a', 'a']);
    values.a = 'B';
    now = 4000;
    expect(await cache.refreshAfterFailure('a')).toBe(false); // 1 s after the last re-read: refused
    now = 6000;
    expect(await cache.refreshAfterFailure('a')).toBe(true);
    expect(await cache.get('a')).toBe('B');
    expect(reads).toEqual(['a', 'a', 'a']);
  });

  it('grants at most perMinute forced re-reads in any minute, all names together', async () => {
    let now = 0;
    const { store, reads } = counted({});
    const cache = new SecretCache(store, { now: () => now }, 300_000, { minAgeMs: 3000, perMinute: 60 });
    for (let i = 0; i < 200; i++) {
      now = i * 100;
      await cache.refreshAfterFailure(`src-${i}`);
    }
    // 200 random names in 20 s: 60 re-reads, then refused until the first one is a minute old.
    expect(reads).toHaveLength(60);
    now = 60_000;
    await cache.refreshAfterFailure('src-late');
    expect(reads).toHaveLength(61);
  });

  it('a stream of bad signatures during a rotation: the new secret is accepted within 5 s', async () => {
    let now = 0;
    const values: Record<string, unknown> = { s: 'old' };
    const { store, reads } = counted(values);
    // Secrets Manager mode: a 5 min ttl, so only the forced re-read can pick up the rotation.
    const cache = new SecretCache(store, { now: () => now }, 300_000);
    // Just after a bad signature forced a re-read of the old value: the worst moment to rotate.
    const rotatedAt = 30_050;
    const accepted: number[] = [];
    const refused: number[] = [];
    // 20 bad signatures a second for two minutes; a correctly signed event every 250 ms after the rotation.
    for (now = 0; now < 120_000; now += 50) {
      if (now === rotatedAt) values.s = 'new';
      expect(await verify(cache, 's', 'forged')).toBe(false);
      if (now >= rotatedAt && now % 250 === 0)
        ((await verify(cache, 's', 'new')) ? accepted : refused).push(now);
    }
    const firstAccepted = accepted[0]! - rotatedAt;
    expect(firstAccepted).toBeLessThanOrEqual(5000);
    expect(refused.every((t) => t < accepted[0]!)).toBe(true);
    // 2,400 bad signatures cost at most one store read per 3 s (plus the first read).
    expect(reads.length).toBeLessThanOrEqual(1 + 120_000 / 3000);
  });

  it('the rotation is picked up within 5 s with bad signatures on other sources too', async () => {
    let now = 0;
    const values: Record<string, unknown> = { s: 'old', t: 'T', u: 'U' };
    const { store, reads } = counted(values);
    const cache = new SecretCache(store, { now: () => now }, 300_000);
    let first: number | undefined;
    for (now = 0; now < 60_000 && first === undefined; now += 50) {
      if (now === 10_050) values.s = 'new';
      for (const other of ['t', 'u']) await verify(cache, other, 'forged');
      await verify(cache, 's', 'forged');
      if (now >= 10_050 && (await verify(cache, 's', 'new'))) first = now - 10_050;
    }
    expect(first).toBeDefined();
    expect(first!).toBeLessThanOrEqual(5000);
    expect(reads.length).toBeLessThanOrEqual(60);
  });
});

describe('placeholder errors', () => {
  it('say how to set the secret where it lives: the named file, or the aws command', () => {
    const example = '{"clientId":"…","clientSecret":"…"}';
    expect(
      placeholderError({ kind: 'file', file: '.hookbridge/secrets.json' }, 'hookbridge/oauth/g', example),
    ).toMatchObject({
      code: 'misconfigured',
      status: 500,
      message: `Secret hookbridge/oauth/g still holds the placeholder REPLACE_ME; edit .hookbridge/secrets.json and set "hookbridge/oauth/g" to ${example}`,
    });
    expect(howToSetSecret({ kind: 'secrets-manager' }, 'hookbridge/oauth/g', example)).toBe(
      `set it with aws secretsmanager put-secret-value --secret-id hookbridge/oauth/g --secret-string '${example}'`,
    );
  });
});
