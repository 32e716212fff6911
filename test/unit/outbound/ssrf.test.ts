import { describe, expect, it } from 'vitest';
import { HookbridgeError } from '../../../shared/errors.js';
import {
  blockedAddressReason,
  checkTarget,
  hostMatches,
  parseIPv4Literal,
  parseIPv6,
  type Resolver,
} from '../../../shared/outbound/ssrf.js';

const resolverOf =
  (map: Record<string, string[]>): Resolver =>
  async (host) =>
    (map[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HookbridgeError);
  return err as HookbridgeError;
};

describe('IPv4 literals in every spelling', () => {
  it.each([
    ['127.0.0.1', [127, 0, 0, 1]],
    ['2130706433', [127, 0, 0, 1]],
    ['0x7f.1', [127, 0, 0, 1]],
    ['017700000001', [127, 0, 0, 1]],
    ['0x7f000001', [127, 0, 0, 1]],
    ['127.1', [127, 0, 0, 1]],
    ['0177.0.0.01', [127, 0, 0, 1]],
    ['0', [0, 0, 0, 0]],
    ['169.254.43518', [169, 254, 169, 254]],
  ])('%s parses to %j', (text, bytes) => {
    expect(parseIPv4Literal(text)).toEqual(bytes);
  });

  it.each(['example.com', '1.2.3.4.5', '256.1.1.1', '08.1.1.1', '1.2.3.x', '4294967296'])(
    '%s is not a literal',
    (text) => {
      expect(parseIPv4Literal(text)).toBeUndefined();
    },
  );
});

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['0.0.0.0', 'this-network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2130706433', 'loopback'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'ipv4-compatible'],
    ['64:ff9b::10.0.0.1', 'nat64-private'],
    ['64:ff9b::a9fe:a9fe', 'nat64-private'],
    ['2002:7f00:1::', '6to4-private'],
    ['2002:c0a8:101::1', '6to4-private'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:db8::1', 'documentation'],
    ['[::1]', 'loopback'],
  ])('%s is refused (%s)', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '2606:4700::6810:85e5',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(blockedAddressReason(address)).toBeUndefined();
  });

  it('parses compressed IPv6 with an embedded quad', () => {
    expect([...parseIPv6('::ffff:1.2.3.4')!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseIPv6('not-v6')).toBeUndefined();
  });
});

describe('declared hosts', () => {
  it('matches exact names and wildcard subdomains only', () => {
    expect(hostMatches('api.stripe.com', 'api.stripe.com')).toBe(true);
    expect(hostMatches('API.Stripe.com.', 'api.stripe.com')).toBe(true);
    expect(hostMatches('acme.my.salesforce.com', '*.my.salesforce.com')).toBe(true);
    expect(hostMatches('my.salesforce.com', '*.my.salesforce.com')).toBe(false);
    expect(hostMatches('evilmy.salesforce.com', '*.my.salesforce.com')).toBe(false);
    expect(hostMatches('api.stripe.com.evil.com', 'api.stripe.com')).toBe(false);
  });
});

describe('checkTarget', () => {
  const allowed = ['*.my.salesforce.com', 'api.stripe.com'];
  const resolver = resolverOf({
    'acme.my.salesforce.com': ['93.184.216.34'],
    'evil.my.salesforce.com': ['10.0.0.7'],
    'mixed.my.salesforce.com': ['93.184.216.34', '169.254.169.254'],
    'v6.my.salesforce.com': ['::ffff:127.0.0.1'],
  });

  it('returns the checked address to pin to', async () => {
    await expect(
      checkTarget(new URL('https://acme.my.salesforce.com/x'), allowed, { resolver }),
    ).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
  });

  it.each([
    ['https://evil.my.salesforce.com/', 'private'],
    ['https://mixed.my.salesforce.com/', 'metadata'],
    ['https://v6.my.salesforce.com/', 'loopback'],
    ['http://acme.my.salesforce.com/', 'scheme'],
    ['https://user:pw@acme.my.salesforce.com/', 'userinfo'],
    ['https://169.254.169.254/latest/meta-data', 'undeclared-host'],
    ['https://example.com/', 'undeclared-host'],
  ])('%s is refused (%s)', async (url, reason) => {
    const err = await refusal(checkTarget(new URL(url), allowed, { resolver }));
    expect(err.code).toBe('ssrf_blocked');
    expect(err.status).toBe(403);
    expect(err.extensions.reason).toBe(reason);
  });

  it.each([
    'https://127.0.0.1/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://017700000001/',
    'https://0.0.0.0/',
    'https://169.254.169.254/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[fd00:ec2::254]/',
    'https://[64:ff9b::a9fe:a9fe]/',
  ])('IP literal %s is refused even when declared', async (url) => {
    const u = new URL(url);
    const err = await refusal(checkTarget(u, [u.hostname.replace(/^\[|\]$/g, '')], { resolver }));
    expect(err.code).toBe('ssrf_blocked');
  });

  it('lets only the exact test host:port through, and only it may use http', async () => {
    const testAllow = new Set(['127.0.0.1:4010']);
    await expect(
      checkTarget(new URL('http://127.0.0.1:4010/x'), ['127.0.0.1'], { resolver, testAllow }),
    ).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    const err = await refusal(
      checkTarget(new URL('http://127.0.0.1:4011/x'), ['127.0.0.1'], { resolver, testAllow }),
    );
    expect(err.extensions.reason).toBe('scheme');
    const err2 = await refusal(
      checkTarget(new URL('https://127.0.0.1/x'), ['127.0.0.1'], { resolver, testAllow }),
    );
    expect(err2.extensions.reason).toBe('loopback');
  });

  it('a name that does not resolve is a 502, not a crash', async () => {
    const err = await refusal(checkTarget(new URL('https://nx.my.salesforce.com/'), allowed, { resolver }));
    expect(err.code).toBe('upstream_error');
  });
});
