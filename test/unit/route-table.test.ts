import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_SETTINGS } from '../../infra/functions.js';
import { REPO_ROOT } from '../../infra/local/server.js';
import { DEFAULT_ROUTE_FN, HTTP_FUNCTIONS, ROUTES, routesFor } from '../../infra/routes.js';
import type { HandlerRoute } from '../../shared/http/lambda.js';
import { routeKey } from '../../shared/http/route.js';

const shape = (r: HandlerRoute) => ({ key: routeKey(r), auth: r.auth, scope: r.scope });

describe('the route table', () => {
  it('has unique route keys', () => {
    const keys = ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names each path variable one way at each level (API Gateway refuses /a/{x} beside /a/{y}: ConflictException)', () => {
    const names = new Map<string, Set<string>>();
    for (const r of ROUTES) {
      const segments = r.path.split('/');
      segments.forEach((seg, i) => {
        const m = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(seg);
        if (!m) return;
        const parent = segments
          .slice(0, i)
          .map((s) => (s.startsWith('{') ? '{}' : s))
          .join('/');
        names.set(parent, (names.get(parent) ?? new Set()).add(m[1]!));
      });
    }
    for (const [parent, at] of names) expect([...at], parent).toHaveLength(1);
  });

  it('gives every API-key route a scope', () => {
    for (const r of ROUTES.filter((r) => r.auth === 'api-key')) expect(r.scope, routeKey(r)).toBeDefined();
  });

  it('names functions that exist and have settings', () => {
    for (const fn of HTTP_FUNCTIONS) {
      expect(existsSync(join(REPO_ROOT, 'functions', fn, 'index.ts')), fn).toBe(true);
      expect(FUNCTION_SETTINGS[fn], fn).toBeDefined();
    }
  });

  it.each(HTTP_FUNCTIONS.filter((f) => f !== DEFAULT_ROUTE_FN || routesFor(f).length))(
    'matches what function %s declares and enforces',
    async (fn) => {
      const mod = (await import(`../../functions/${fn}/index.ts`)) as { handler: { routes: HandlerRoute[] } };
      expect(mod.handler.routes.map(shape).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
        routesFor(fn)
          .map(shape)
          .sort((a, b) => a.key.localeCompare(b.key)),
      );
    },
  );
});
