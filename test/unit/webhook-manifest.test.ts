import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasMapper } from '../../infra/local/provider-registries.js';
import { PROVIDER_ALIASES, PROVIDERS } from '../../shared/webhooks/catalog.js';
import { WEBHOOK_PROVIDERS } from '../../shared/webhooks/manifest.js';
import { DEFINITIONS } from '../../shared/webhooks/providers/definitions.gen.js';
import { MAPPERS } from '../../shared/webhooks/providers/mappers.gen.js';
import { createPayPalContext } from '../../shared/webhooks/providers/paypal/context.js';
import { SCHEMES } from '../../shared/webhooks/providers/schemes.gen.js';
import type { ProviderDefinition, VerifyContext } from '../../shared/webhooks/types.js';
import { makeStandInChain } from '../support/paypal-standin.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const slugs = [...WEBHOOK_PROVIDERS];

describe('the webhook provider manifest', () => {
  it('is what the generated registries and the catalog list, in order', () => {
    expect(SCHEMES.map((s) => s.slug)).toEqual(slugs);
    expect(DEFINITIONS.map((d) => d.slug)).toEqual(slugs);
    expect(Object.keys(PROVIDERS)).toEqual(slugs);
    expect(Object.keys(MAPPERS).sort()).toEqual(slugs.filter(hasMapper).sort());
    expect(PROVIDER_ALIASES).toEqual({ svix: 'standard-webhooks' });
  });

  describe.each(DEFINITIONS.map((d) => [d.slug, d] as const))('%s', (slug, def: ProviderDefinition) => {
    it('has vectors, a signer, a sample, and a mapper or an explicit raw-only mark', () => {
      expect(existsSync(join(ROOT, 'test/vectors', `${slug}.json`))).toBe(true);
      expect(typeof def.sign).toBe('function');
      expect(typeof def.sample).toBe('function');
      expect(def.map === undefined).toBe(def.rawOnly === true);
      expect(def.map).toBe(MAPPERS[slug]);
      expect(hasMapper(slug)).toBe(def.map !== undefined);
      expect(def.verify).toBe(PROVIDERS[slug]!.verify);
    });
  });
});

const SECRETS: Record<string, string> = {
  'standard-webhooks': `whsec_${Buffer.alloc(24, 9).toString('base64')}`,
  adyen: 'ab'.repeat(32),
};

describe('each signer signs what its verifier accepts', () => {
  const chain = makeStandInChain();
  const certUrl = 'https://api.paypal.com/v1/notifications/certs/CERT-roundtrip';
  const ctx: VerifyContext = {
    paypal: createPayPalContext({
      send: async () => ({
        status: 200,
        headers: {},
        body: Buffer.from(chain.leafPem + chain.rootPem),
        attempts: 1,
      }),
      trustRootPem: chain.rootPem,
      systemRoots: false,
    }),
  };
  const nowSec = Math.floor(Date.now() / 1000);
  it.each(slugs)('%s', async (slug) => {
    const def = DEFINITIONS.find((d) => d.slug === slug)!;
    const secret = SECRETS[slug] ?? 'roundtrip-secret';
    const config = { publicKey: 'bt_pub', signingKeyPem: chain.leafKeyPem, certUrl };
    const url = `https://hooks.example.com/webhooks/${slug}`;
    const id = 'a1b2c3d4-0000-4000-8000-000000000001';
    const signed = def.sign({ url, secret, config, body: def.sample(id, nowSec), nowSec, id });
    const result = await def.verify(
      {
        rawBody: Buffer.from(signed.body),
        headers: signed.headers,
        url,
        secrets: [secret],
        config,
        now: nowSec * 1000,
        toleranceSec: def.defaultToleranceSec,
      },
      ctx,
    );
    expect(result).toMatchObject({ ok: true, matchedSecret: 0 });
  });
});

describe('the provider table in docs/webhooks.md', () => {
  it('lists exactly the manifest providers, in order', () => {
    const page = readFileSync(join(ROOT, 'docs/webhooks.md'), 'utf8');
    const start = page.indexOf('| slug | signature | event id |');
    expect(start).toBeGreaterThan(0);
    const rows = page.slice(start).split('\n').slice(2);
    const table = rows.slice(
      0,
      rows.findIndex((r) => !r.startsWith('|')),
    );
    expect(table.map((r) => /^\| `([a-z-]+)`/.exec(r)?.[1])).toEqual(slugs);
  });
});
