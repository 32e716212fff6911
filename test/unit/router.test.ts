import { describe, expect, it } from 'vitest';
import { createRouter, type RouteDef } from '../../shared/http/route.js';

const r = (method: RouteDef['method'], path: string, fn = 'f'): RouteDef => ({
  method,
  path,
  fn,
  auth: 'none',
  summary: '',
  tag: 't',
});

describe('router', () => {
  const match = createRouter([
    r('GET', '/health'),
    r('POST', '/webhooks/{provider}'),
    r('POST', '/webhooks/{provider}/{sourceId}'),
    r('ANY', '/proxy/{connectionId}/{path+}', 'proxy'),
    r('ANY', '/proxy/integrations/{integrationId}/{path+}', 'proxy-int'),
    r('DELETE', '/api-keys/{id}'),
    r('GET', '/api-keys'),
  ]);

  it('fills path parameters, decoded', () => {
    expect(match('POST', '/webhooks/stripe/acct%201')).toMatchObject({
      kind: 'match',
      pathParameters: { provider: 'stripe', sourceId: 'acct 1' },
    });
  });

  it('prefers literal segments over variables, and greedy last', () => {
    const m = match('GET', '/proxy/integrations/stripe/v1/charges');
    expect(m).toMatchObject({
      kind: 'match',
      route: { fn: 'proxy-int' },
      pathParameters: { integrationId: 'stripe', path: 'v1/charges' },
    });
    expect(match('POST', '/proxy/conn_1/a/b/c')).toMatchObject({
      kind: 'match',
      route: { fn: 'proxy' },
      pathParameters: { path: 'a/b/c' },
    });
  });

  it('answers 405 material with the allowed methods', () => {
    expect(match('POST', '/health')).toEqual({ kind: 'method_not_allowed', allow: ['GET'] });
    expect(match('GET', '/api-keys/abc')).toEqual({ kind: 'method_not_allowed', allow: ['DELETE'] });
  });

  it('answers not_found for unknown paths', () => {
    expect(match('GET', '/nope')).toEqual({ kind: 'not_found' });
    expect(match('POST', '/webhooks')).toEqual({ kind: 'not_found' });
  });
});
