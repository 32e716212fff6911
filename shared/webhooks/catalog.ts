/**
 * The receive path's view of the manifest: slug -> scheme (verifiers only; verifiers may be
 * async, e.g. PayPal's, which fetches a certificate). Add a provider in manifest.ts, not here.
 */
import { SCHEMES } from './providers/schemes.gen.js';
import type { ProviderScheme } from './types.js';

export const PROVIDERS: Readonly<Record<string, ProviderScheme>> = Object.fromEntries(
  SCHEMES.map((p) => [p.slug, p]),
);

/** URL aliases: the same scheme under another slug (secrets live under the canonical slug). */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  SCHEMES.flatMap((p) => (p.aliases ?? []).map((alias) => [alias, p.slug])),
);

export function providerFor(slug: string): ProviderScheme | undefined {
  const canonical = PROVIDER_ALIASES[slug] ?? slug;
  return Object.hasOwn(PROVIDERS, canonical) ? PROVIDERS[canonical] : undefined;
}
