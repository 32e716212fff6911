import { describe, expect, it } from 'vitest';
import { guardedFetch } from '../../../shared/outbound/fetch.js';
import { type OutboundNet, sendOnce } from '../../../shared/outbound/send.js';
import type { Resolver } from '../../../shared/outbound/ssrf.js';
import { TransportError, type TransportRequest } from '../../../shared/outbound/transport.js';
import { declaredHostOf, hostOf, hostPortOf, normalHost, portOf } from '../../../shared/outbound/url.js';

// Like DNS, a trailing root dot names the same host.
const ADDRESSES: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'rebind.example.com': ['93.184.216.34', '10.0.0.7'],
};
const resolver: Resolver = async (host) =>
  (ADDRESSES[host.replace(/\.$/, '')] ?? []).map((address) => ({ address, family: 4 as const }));

/** A transport that records what it was asked and answers 200, or fails as told. */
function recorder(fail?: TransportError) {
  const seen: TransportRequest[] = [];
  const net: OutboundNet = {
    resolver,
    testAllow: new Set(),
    transport: async (req) => {
      seen.push(req);
      if (fail) throw fail;
      return { status: 200, headers: { 'x-answer': ['a', 'b'] }, body: Buffer.from('ok') };
    },
  };
  return { net, seen };
}

const post = (url: string, allowedHosts?: string[]) => ({
  url: new URL(url),
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{}'),
  allowedHosts,
  connectTimeoutMs: 1_000,
  timeoutMs: 5_000,
  maxResponseBytes: 64,
});

const blocked = (reason: string) => ({ code: 'ssrf_blocked', extensions: { reason } });

describe('URL helpers', () => {
  it('read hosts and ports one way', () => {
    expect(hostOf(new URL('https://[2606:4700::1]:8443/x'))).toBe('2606:4700::1');
    expect(normalHost('[2606:4700::1]')).toBe('2606:4700::1');
    expect(normalHost('Hooks.Example.COM.')).toBe('hooks.example.com');
    expect(portOf(new URL('https://a.example/'))).toBe('443');
    expect(portOf(new URL('http://a.example/'))).toBe('80');
    expect(hostPortOf(new URL('http://127.0.0.1:4010/x'))).toBe('127.0.0.1:4010');
    expect(declaredHostOf(new URL('https://api.example.com/v1'))).toBe('api.example.com');
    expect(declaredHostOf(new URL('https://api.example.com:8443/v1'))).toBe('api.example.com:8443');
  });
});

describe('sendOnce', () => {
  it('connects to the address the guard checked, with a deadline from the timeout', async () => {
    const { net, seen } = recorder();
    const before = Date.now();
    const res = await sendOnce(post('https://hooks.example.com/in'), net);
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.pinned).toEqual({ address: '93.184.216.34', family: 4 });
    expect(seen[0]!.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(seen[0]!.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
  });

  it('without declared hosts, the URL’s own host is declared, in any spelling', async () => {
    const { net, seen } = recorder();
    await sendOnce(post('https://HOOKS.example.com./in'), net);
    expect(seen).toHaveLength(1);
  });

  it('refuses, before sending, a name with any non-public address, and an undeclared host', async () => {
    const { net, seen } = recorder();
    await expect(sendOnce(post('https://rebind.example.com/in'), net)).rejects.toMatchObject(
      blocked('private'),
    );
    await expect(
      sendOnce(post('https://hooks.example.com/in', ['api.example.com']), net),
    ).rejects.toMatchObject(blocked('undeclared-host'));
    expect(seen).toHaveLength(0);
  });
});

describe('the fetch view', () => {
  it('answers a Response from the pinned transport', async () => {
    const { net, seen } = recorder();
    const res = await guardedFetch(net)('https://hooks.example.com/jwks', { headers: { accept: 'x' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-answer')).toBe('a, b');
    expect(await res.text()).toBe('ok');
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.headers).toEqual({ accept: 'x' });
  });

  it('keeps to its declared hosts when given some', async () => {
    const { net, seen } = recorder();
    const f = guardedFetch({ ...net, allowedHosts: ['api.example.com'] });
    await expect(f('https://hooks.example.com/cert')).rejects.toMatchObject(blocked('undeclared-host'));
    expect(seen).toHaveLength(0);
  });

  it('a transport failure is a fetch TypeError, as libraries expect', async () => {
    const { net } = recorder(new TransportError('network', 'reset'));
    await expect(guardedFetch(net)('https://hooks.example.com/x')).rejects.toThrow('fetch failed: network');
  });
});
