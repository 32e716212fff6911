import { describe, expect, it } from 'vitest';
import { loadProxyPolicy } from '../../../shared/proxy/config.js';
import { forwardRequestHeaders } from '../../../shared/proxy/headers.js';

describe('proxy request headers', () => {
  it('forwards provider headers but never credentials, gateway headers or method overrides', () => {
    const out = forwardRequestHeaders({
      accept: 'application/json',
      'content-type': 'application/json',
      'idempotency-key': 'k1',
      'stripe-version': '2024-06-20',
      'x-custom': 'yes',
      authorization: 'Bearer hbk_secret',
      cookie: 'a=1',
      'x-api-key': 'k',
      'x-forwarded-for': '1.2.3.4',
      'x-amzn-trace-id': 't',
      'x-http-method-override': 'POST',
      'x-http-method': 'DELETE',
      'x-method-override': 'PUT',
      'x-original-url': '/admin',
    });
    expect(out).toMatchObject({ accept: 'application/json', 'idempotency-key': 'k1', 'x-custom': 'yes' });
    for (const h of [
      'authorization',
      'cookie',
      'x-api-key',
      'x-forwarded-for',
      'x-amzn-trace-id',
      'x-http-method-override',
      'x-http-method',
      'x-method-override',
      'x-original-url',
    ]) {
      expect(out, h).not.toHaveProperty(h);
    }
  });

  it('keeps the response cap inside Lambda’s 6 MB once base64-encoded', () => {
    const { maxResponseBytes } = loadProxyPolicy({});
    expect(Math.ceil(maxResponseBytes / 3) * 4).toBeLessThan(6 * 1024 * 1024 - 64 * 1024);
    expect(() => loadProxyPolicy({ HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES: String(5 * 1024 * 1024) })).toThrow(
      /HOOKBRIDGE_PROXY_MAX_RESPONSE_BYTES/,
    );
  });
});
