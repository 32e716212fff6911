import { describe, expect, it } from 'vitest';
import { checkTarget } from '../../shared/outbound/ssrf.js';
import { loadProxyPolicy } from '../../shared/proxy/config.js';

const resolver = async () => [{ address: '127.0.0.1', family: 4 as const }];

describe('HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK', () => {
  it('admits every loopback host:port in local mode only, and nothing else', () => {
    const on = loadProxyPolicy({
      HOOKBRIDGE_LOCAL: 'true',
      HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true',
    }).testAllow;
    for (const hp of ['127.0.0.1:4000', '127.1.2.3:80', '::1:8080', 'localhost:3000', 'LOCALHOST:1'])
      expect(on.has(hp)).toBe(true);
    for (const hp of ['10.0.0.1:4000', '192.168.1.1:80', 'example.com:443', '169.254.169.254:80'])
      expect(on.has(hp)).toBe(false);
    const offOutsideLocal = loadProxyPolicy({ HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true' }).testAllow;
    expect(offOutsideLocal.has('127.0.0.1:4000')).toBe(false);
    expect(loadProxyPolicy({ HOOKBRIDGE_LOCAL: 'true' }).testAllow.has('127.0.0.1:4000')).toBe(false);
  });

  it('a refused loopback target says how to allow it locally; a public one does not', async () => {
    const opts = { resolver, testAllow: new Set<string>() };
    await expect(checkTarget(new URL('http://127.0.0.1:4000/x'), ['127.0.0.1'], opts)).rejects.toThrow(
      /not http:; .*HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK=true/,
    );
    await expect(checkTarget(new URL('https://127.0.0.1/x'), ['127.0.0.1'], opts)).rejects.toThrow(
      /\(loopback\); .*HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK/,
    );
    // A name that resolves to loopback is a rebinding attempt, not a local server: no hint.
    await expect(checkTarget(new URL('https://rebind.example/x'), ['rebind.example'], opts)).rejects.toThrow(
      /^Host rebind.example resolves to a non-public address \(loopback\)$/,
    );
    await expect(checkTarget(new URL('http://api.example.com/x'), ['api.example.com'], opts)).rejects.toThrow(
      /^Only https targets may be called, not http:$/,
    );
  });

  it('under the setting, a loopback http target is called at its address', async () => {
    const testAllow = loadProxyPolicy({
      HOOKBRIDGE_LOCAL: 'true',
      HOOKBRIDGE_LOCAL_ALLOW_LOOPBACK: 'true',
    }).testAllow;
    await expect(
      checkTarget(new URL('http://127.0.0.1:4000/x'), ['127.0.0.1'], { resolver, testAllow }),
    ).resolves.toEqual({ address: '127.0.0.1', family: 4 });
  });
});
