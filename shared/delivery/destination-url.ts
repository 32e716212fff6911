/**
 * Destination URLs are supplied by API callers, so they get the outbound SSRF rules:
 * - at PUT, an up-front check refuses non-https URLs, credentials in the URL and hosts that are
 *   literally loopback / private / link-local / CGNAT / metadata (any spelling) or well-known
 *   internal names, with a 400 naming the problem;
 * - at send time (shared/delivery/send.ts) the host is resolved, every address is checked and the
 *   connection is pinned to the checked address (shared/outbound/send.ts), so a name that
 *   resolves (or later rebinds) to an internal address is never connected to.
 * The test-only allow list (HOOKBRIDGE_TEST_ALLOW_HOSTS, local mode only) exempts exact host:port
 * pairs from both, HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK (local mode only) every loopback one; they are
 * the only ways to use plain http. A refused loopback URL's detail says how to allow it locally.
 */
import { HookbridgeError } from '../errors.js';
import { blockedAddressReason, literalAddress, loopbackHint } from '../outbound/ssrf.js';
import { hostPortOf, normalHost } from '../outbound/url.js';

/** Names that always mean "this machine" or the cloud metadata service. */
const INTERNAL_NAMES = ['localhost', 'metadata.google.internal', 'metadata', 'instance-data'];
const INTERNAL_SUFFIXES = ['.localhost', '.internal'];

export const isTestAllowed = (url: URL, testAllow: ReadonlySet<string>): boolean =>
  testAllow.has(hostPortOf(url));

const refuse = (detail: string, reason: string) =>
  new HookbridgeError('invalid_request', `url: ${detail}`, { extensions: { reason } });

/** Checks a destination URL before it is stored; throws a 400 `invalid_request` naming the problem. */
export function checkDestinationUrl(raw: string, testAllow: ReadonlySet<string>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('not a valid URL', 'invalid-url');
  }
  const allowed = isTestAllowed(url, testAllow);
  if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:'))
    throw refuse(`must be https${loopbackHint(url.hostname)}`, 'scheme');
  if (url.username || url.password) throw refuse('must not contain credentials', 'userinfo');
  if (allowed) return url;
  const host = normalHost(url.hostname);
  const literal = literalAddress(host);
  if (literal) {
    const why = blockedAddressReason(literal);
    if (why)
      throw refuse(
        `host ${host} is a non-public address (${why}); destinations must be public${loopbackHint(host)}`,
        why,
      );
  } else if (INTERNAL_NAMES.includes(host) || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) {
    throw refuse(
      `host ${host} is an internal name; destinations must be public${loopbackHint(host)}`,
      'internal-name',
    );
  }
  return url;
}
