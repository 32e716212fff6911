/**
 * SSRF guard for outbound calls. Two gates, both default-deny:
 * 1. the URL's host must match one of the integration's declared hosts;
 * 2. every address the host resolves to must be public unicast. Loopback, private, link-local,
 *    CGNAT, 0.0.0.0/8, multicast, reserved, documentation and the cloud metadata addresses are
 *    refused in every IPv4 and IPv6 spelling (mapped, compatible, NAT64, 6to4, Teredo).
 * The checked address is returned so the connection can be pinned to it (no DNS rebinding).
 */
import { isIP } from 'node:net';
import { HookbridgeError } from '../errors.js';
import { hostOf, hostPortOf, normalHost, portOf } from './url.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses. Injected so tests can make a name resolve anywhere. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const { lookup } = await import('node:dns/promises');
  const all = await lookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * Parses an IPv4 literal the way inet_aton does: 1 to 4 parts, each decimal, octal (leading 0)
 * or hex (0x), the last part filling the remaining bytes. So `2130706433`, `0x7f.1` and
 * `017700000001` are all 127.0.0.1. Returns the 4 bytes, or undefined when it is not a literal.
 */
export function parseIPv4Literal(text: string): [number, number, number, number] | undefined {
  const s = text.endsWith('.') ? text.slice(0, -1) : text;
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = Number.parseInt(p.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) n = Number(p);
    else return undefined;
    if (!Number.isFinite(n)) return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - nums.length)) return undefined;
  const bytes = [...nums];
  for (let i = 3 - nums.length; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return bytes as [number, number, number, number];
}

/** Parses any IPv6 text form (compressed, embedded dotted quad, zone id) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return undefined;
  const lastColon = s.lastIndexOf(':');
  const quad = s.slice(lastColon + 1);
  if (quad.includes('.')) {
    // An embedded dotted quad becomes its two hex groups.
    const v4 = quad.split('.').map(Number);
    s = `${s.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest === undefined ? [] : rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...r].map((g) => Number.parseInt(g || '0', 16));
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

type V4 = readonly [number, number, number, number];

const inV4 = (b: V4, net: V4, bits: number): boolean => {
  const ip = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const n = ((net[0] << 24) | (net[1] << 16) | (net[2] << 8) | net[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ip & mask) === (n & mask);
};

const V4_BLOCKED: [V4, number, string][] = [
  [[0, 0, 0, 0], 8, 'this-network'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'cgnat'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'documentation'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'benchmarking'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

/** Why an IPv4 address is refused, or undefined when it is public. */
export function blockedV4Reason(b: V4): string | undefined {
  if (b[0] === 169 && b[1] === 254 && b[2] === 169 && b[3] === 254) return 'metadata';
  for (const [net, bits, why] of V4_BLOCKED) if (inV4(b, net, bits)) return why;
  return undefined;
}

const v4At = (b: Uint8Array, at: number): V4 => [b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!];
const startsWith = (b: Uint8Array, prefix: number[]): boolean => prefix.every((x, i) => b[i] === x);

/** Why an IPv6 address is refused, or undefined when it is public. Only 2000::/3 can pass. */
export function blockedV6Reason(b: Uint8Array): string | undefined {
  const zero10 = b.slice(0, 10).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, also :: and ::1): judged by the IPv4 inside.
  if (zero10 && b[10] === 0xff && b[11] === 0xff) return blockedV4Reason(v4At(b, 12)) ?? undefined;
  if (zero10 && b[10] === 0 && b[11] === 0) {
    if (b.every((x) => x === 0)) return 'unspecified';
    if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 'loopback';
    return 'ipv4-compatible';
  }
  // NAT64 well-known prefix 64:ff9b::/96 embeds an IPv4 address; 64:ff9b:1::/48 is local-use.
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b])) {
    if (b.slice(4, 12).every((x) => x === 0)) return blockedV4Reason(v4At(b, 12)) && 'nat64-private';
    return 'nat64-local';
  }
  // 6to4 2002::/16 embeds an IPv4 address in bits 16-47.
  if (b[0] === 0x20 && b[1] === 0x02) return blockedV4Reason(v4At(b, 2)) && '6to4-private';
  // Teredo 2001::/32 (tunnels to arbitrary IPv4) and documentation 2001:db8::/32.
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00])) return 'teredo';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8])) return 'documentation';
  if ((b[0]! & 0xfe) === 0xfc) {
    const metadata = startsWith(b, [0xfd, 0x00, 0x0e, 0xc2]) && b[15] === 0x54 && b[14] === 0x02;
    return metadata ? 'metadata' : 'unique-local';
  }
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'site-local';
  if (b[0] === 0xff) return 'multicast';
  if ((b[0]! & 0xe0) !== 0x20) return 'reserved';
  return undefined;
}

/** The address an IP literal host names (any IPv4 spelling normalised), or undefined for a name. */
export const literalAddress = (host: string): string | undefined =>
  isIP(host) ? host : parseIPv4Literal(host)?.join('.');

/** Why an address (any textual form) is refused, or undefined when it is a public unicast address. */
export function blockedAddressReason(address: string): string | undefined {
  const v6 = address.includes(':') ? parseIPv6(address) : undefined;
  if (v6) return blockedV6Reason(v6);
  const v4 = parseIPv4Literal(address);
  if (v4) return blockedV4Reason(v4);
  return 'not-an-address';
}

/** `localhost` (and `*.localhost`) or a loopback address in any spelling. */
export function isLoopbackHost(host: string): boolean {
  const h = normalHost(host);
  const literal = literalAddress(h);
  if (literal) return blockedAddressReason(literal) === 'loopback';
  return h === 'localhost' || h.endsWith('.localhost');
}

/** Appended to a refusal of a loopback target: how the local runtime lets it through. */
export const LOOPBACK_HINT =
  '; to call a server on this machine, run the local runtime with HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK=true (npm start sets it) or list its host:port in HOOKBRIDGE_TEST_ALLOW_HOSTS';

/** The hint for a refused target, when the target is on this machine. */
export const loopbackHint = (host: string): string => (isLoopbackHost(host) ? LOOPBACK_HINT : '');

/**
 * `api.example.com` matches itself; `*.example.com` matches any subdomain (not the apex); a
 * pattern with `:port` must match the port too.
 */
export function hostMatches(hostname: string, pattern: string, port?: string): boolean {
  const h = normalHost(hostname);
  let p = pattern.toLowerCase();
  const colon = p.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(p.slice(colon + 1))) {
    if (p.slice(colon + 1) !== port) return false;
    p = p.slice(0, colon);
  }
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

export interface GuardOptions {
  resolver: Resolver;
  /**
   * Test-only `host:port` pairs that skip the address check and may use plain http. Comes from
   * config at cold start (HOOKBRIDGE_TEST_ALLOW_HOSTS, honoured only in local mode), never from a request.
   */
  testAllow?: ReadonlySet<string>;
}

const blocked = (detail: string, reason: string) =>
  new HookbridgeError('ssrf_blocked', detail, { extensions: { reason } });

/**
 * Checks a target URL against the declared hosts and the address rules, and returns the address
 * to pin the connection to. Throws `ssrf_blocked` (403) before any packet is sent.
 */
export async function checkTarget(
  url: URL,
  allowedHosts: readonly string[],
  opts: GuardOptions,
): Promise<ResolvedAddress> {
  const host = hostOf(url);
  const testAllowed = opts.testAllow?.has(hostPortOf(url)) ?? false;
  if (url.protocol !== 'https:' && !(testAllowed && url.protocol === 'http:'))
    throw blocked(`Only https targets may be called, not ${url.protocol}${loopbackHint(host)}`, 'scheme');
  if (url.username || url.password) throw blocked('Target URLs may not carry credentials', 'userinfo');
  if (!allowedHosts.some((p) => hostMatches(host, p, portOf(url))))
    throw blocked(`Host ${host} is not one of the integration's declared hosts`, 'undeclared-host');

  const literal = literalAddress(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: literal, family: literal.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await opts.resolver(host);
    } catch (err) {
      throw new HookbridgeError('upstream_error', `Could not resolve ${host}`, { cause: err });
    }
    if (!addresses.length) throw new HookbridgeError('upstream_error', `Could not resolve ${host}`);
  }
  if (testAllowed) return addresses[0]!;
  // Every address must be public: a name with one private record is refused outright.
  for (const a of addresses) {
    const why = blockedAddressReason(a.address);
    if (why)
      throw blocked(`Host ${host} resolves to a non-public address (${why})${loopbackHint(host)}`, why);
  }
  return addresses[0]!;
}
