/**
 * Who may call each route, written out by hand: the real route table (and what each function
 * enforces) must match it. A scope changed in infra/routes/*.ts fails here until this table is
 * changed too, on purpose. test/integration/net-holes.test.ts proves a few of these over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { CONSOLE_API_ROUTES, HTTP_FUNCTIONS, ROUTES } from '../../infra/routes.js';
import type { HandlerRoute } from '../../shared/http/lambda.js';

/** method, path, scope (or `none` / `signature` / `browser` / `session`), function. */
const EXPECTED: readonly (readonly [string, string, string, string])[] = [
  ['GET', '/health', 'none', 'meta'],
  ['GET', '/health/ready', 'none', 'meta'],
  ['GET', '/event-types', 'none', 'meta'],
  ['GET', '/openapi.json', 'none', 'meta'],
  ['POST', '/api-keys', 'admin', 'api-keys'],
  ['GET', '/api-keys', 'admin', 'api-keys'],
  ['DELETE', '/api-keys/{id}', 'admin', 'api-keys'],
  ['POST', '/webhooks/{provider}', 'signature', 'webhooks-receive'],
  ['POST', '/webhooks/{provider}/{sourceId}', 'signature', 'webhooks-receive'],
  ['GET', '/events', 'events:read', 'events-api'],
  ['GET', '/events/{id}', 'events:read', 'events-api'],
  ['ANY', '/proxy/integrations/{integrationId}/{path+}', 'proxy', 'proxy'],
  ['ANY', '/proxy/{connectionId}/{path+}', 'proxy', 'proxy'],
  ['PUT', '/integrations/{id}', 'integrations:write', 'connections-api'],
  ['GET', '/integrations/{id}', 'connections:read', 'connections-api'],
  ['GET', '/integrations', 'connections:read', 'connections-api'],
  ['POST', '/connect-sessions', 'connections:write', 'connections-api'],
  ['GET', '/connections', 'connections:read', 'connections-api'],
  ['GET', '/connections/{id}', 'connections:read', 'connections-api'],
  ['DELETE', '/connections/{id}', 'connections:write', 'connections-api'],
  ['GET', '/connections/{id}/revocation', 'connections:read', 'connections-api'],
  ['GET', '/connections/{id}/access-token', 'connections:token', 'connections-api'],
  ['GET', '/oauth/authorize', 'browser', 'oauth'],
  ['GET', '/oauth/callback', 'browser', 'oauth'],
  ['GET', '/destinations', 'destinations:write', 'delivery-api'],
  ['PUT', '/destinations/{id}', 'destinations:write', 'delivery-api'],
  ['GET', '/destinations/{id}', 'destinations:write', 'delivery-api'],
  ['DELETE', '/destinations/{id}', 'destinations:write', 'delivery-api'],
  ['GET', '/destinations/{id}/deliveries', 'destinations:write', 'delivery-api'],
  ['POST', '/destinations/{id}/redrive', 'destinations:write', 'delivery-api'],
  ['GET', '/destinations/{id}/messages', 'destinations:write', 'delivery-api'],
  ['GET', '/events/{id}/deliveries', 'events:read', 'delivery-api'],
  ['POST', '/events/{id}/replay', 'events:replay', 'delivery-api'],
  ['POST', '/replays', 'events:replay', 'delivery-api'],
  ['GET', '/replays', 'events:replay', 'delivery-api'],
  ['GET', '/replays/{id}', 'events:replay', 'delivery-api'],
  ['GET', '/reconcilers', 'events:read', 'reconcilers-api'],
  ['PUT', '/reconcilers/{id}', 'integrations:write', 'reconcilers-api'],
  ['PUT', '/reconcilers/{id}/{sourceId}', 'integrations:write', 'reconcilers-api'],
  ['GET', '/reconcilers/{id}', 'events:read', 'reconcilers-api'],
  ['POST', '/reconcilers/{id}/run', 'integrations:write', 'reconcilers-api'],
  ['GET', '/payments/{id}', 'payments:read', 'delivery-api'],
  ['GET', '/subscriptions/{id}', 'payments:read', 'delivery-api'],
  ['GET', '/customers/{id}/subscriptions', 'payments:read', 'delivery-api'],
  ['GET', '/health/pipeline', 'destinations:write', 'delivery-api'],
  ['GET', '/console', 'none', 'console'],
  ['GET', '/console/console.js', 'none', 'console'],
  ['GET', '/console/console.css', 'none', 'console'],
  ['POST', '/console/session', 'none', 'console'],
  ['GET', '/console/session', 'session', 'console'],
  ['DELETE', '/console/session', 'session', 'console'],
  ['DELETE', '/console/sessions', 'session', 'console'],
];

const row = (r: HandlerRoute & { fn?: string }, fn = r.fn) =>
  [r.method, r.path, r.auth === 'api-key' ? `scope ${r.scope}` : r.auth, fn] as const;
const expectedRow = ([method, path, access, fn]: (typeof EXPECTED)[number]) =>
  [
    method,
    path,
    ['none', 'signature', 'browser', 'session'].includes(access) ? access : `scope ${access}`,
    fn,
  ] as const;
const byKey = (a: readonly unknown[], b: readonly unknown[]) =>
  `${String(a[1])} ${String(a[0])}`.localeCompare(`${String(b[1])} ${String(b[0])}`);

describe('route scopes, written out', () => {
  it('the route table is exactly this list: method, path, who may call it, function', () => {
    expect(ROUTES.map((r) => row(r)).sort(byKey)).toEqual(EXPECTED.map(expectedRow).sort(byKey));
  });

  it('the console reaches every API-key route under /console/api with the same function and scope, except proxy and access tokens', () => {
    const mirrored = EXPECTED.filter(([, , access]) => access.includes(':') || access === 'admin')
      .filter(([, , access]) => access !== 'connections:token')
      .map(([method, path, access, fn]) => [method, `/console/api${path}`, `scope ${access}`, fn] as const);
    expect(CONSOLE_API_ROUTES.map((r) => row(r)).sort(byKey)).toEqual([...mirrored].sort(byKey));
  });

  it.each(HTTP_FUNCTIONS)('function %s enforces the scopes of this list', async (fn) => {
    const mod = (await import(`../../functions/${fn}/index.ts`)) as { handler: { routes: HandlerRoute[] } };
    expect(mod.handler.routes.map((r) => row(r, fn)).sort(byKey)).toEqual(
      EXPECTED.filter((e) => e[3] === fn)
        .map(expectedRow)
        .sort(byKey),
    );
  });
});
