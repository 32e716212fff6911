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
    const cache = new SecretCache(store, { now: () => 0 }, 300_000, 60_000, 50);
    for (let i = 0; i < 1000; i++)
      expect(await cache.get(`hookbridge/webhooks/stripe/src-${i}`)).toBeUndefined();
    expect(cache.size).toBe(50);
  });

  it('evicts the least recently used name, not the most recently read one', async () => {
    const { store, reads } = counted({ a: 'A', b: 'B', c: 'C', d: 'D' });
    const cache = new SecretCache(store, { now: () => 0 }, 300_000, 60_000, 3);
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
