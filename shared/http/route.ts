import type * as z from 'zod/mini';
import type { Scope } from '../auth/scopes.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'ANY';

/**
 * How a route is authenticated:
 * - `none`: public (health, OpenAPI);
 * - `api-key`: `Authorization: Bearer <key>` carrying `scope`;
 * - `signature`: the provider's webhook signature, checked by the handler;
 * - `browser`: the OAuth dance (session / state / cookie), checked by the handler;
 * - `session`: the console's session cookie (and CSRF header on changes), checked by the handler.
 */
export type RouteAuth = 'none' | 'api-key' | 'signature' | 'browser' | 'session';

/** A documented answer served in more than one shape or media type. */
export interface ResponseDoc {
  description: string;
  content: Record<string, z.core.$ZodType>;
}

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path template: `{name}` for one segment, `{name+}` for the greedy rest. */
  path: string;
  /** The function (folder under `functions/`) that handles the route. */
  fn: string;
  auth: RouteAuth;
  scope?: Scope;
  summary: string;
  tag: string;
  body?: z.core.$ZodType;
  /** The body may be empty (then the route's defaults apply). */
  bodyOptional?: boolean;
  query?: z.core.$ZodType;
  /** Path parameters (an object schema); undocumented ones are plain strings. */
  params?: z.core.$ZodType;
  /** Response schemas by status code, for the OpenAPI document. */
  responses?: Record<number, z.core.$ZodType | string | ResponseDoc>;
  /** Errors this route answers beyond those its auth and input imply: status -> when. */
  errors?: Record<number, string>;
  /** Content type of the success response when it is not JSON. */
  produces?: string;
}

/** One function's routes from a route module. Functions import only their own module, so a cold start loads only their own schemas. */
export const routesOf = (routes: readonly RouteDef[], fn: string): RouteDef[] =>
  routes.filter((r) => r.fn === fn);

export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** What routing needs of a route. */
type Routable = Pick<RouteDef, 'method' | 'path'>;

interface Compiled<R extends Routable> {
  route: R;
  re: RegExp;
  names: string[];
  literals: number;
  greedy: boolean;
}

export interface RouteMatch {
  route: RouteDef;
  pathParameters: Record<string, string>;
}

export type MatchResult<R extends Routable = RouteDef> =
  | { kind: 'match'; route: R; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a route table into a matcher with API Gateway's precedence: most literal segments first, greedy last. */
export function createRouter<R extends Routable = RouteDef>(
  routes: readonly R[],
): (method: string, path: string) => MatchResult<R> {
  const compiled: Compiled<R>[] = routes.map((route) => {
    const names: string[] = [];
    let literals = 0;
    let greedy = false;
    const source = route.path
      .split('/')
      .map((seg) => {
        const m = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(seg);
        if (!m) {
          if (seg) literals++;
          return escapeRe(seg);
        }
        names.push(m[1]!);
        if (m[2]) {
          greedy = true;
          return '(.+)';
        }
        return '([^/]+)';
      })
      .join('/');
    return { route, re: new RegExp(`^${source}$`), names, literals, greedy };
  });
  compiled.sort((a, b) => b.literals - a.literals || Number(a.greedy) - Number(b.greedy));
  // Exact (parameter-free) routes resolve with one map lookup: the hot paths (/health) skip the regexes.
  const exact = new Map<string, R[]>();
  for (const c of compiled) {
    if (c.names.length) continue;
    const list = exact.get(c.route.path) ?? [];
    list.push(c.route);
    exact.set(c.route.path, list);
  }

  return (method, path) => {
    const direct = exact.get(path);
    if (direct) {
      const hit = direct.find((r) => r.method === method || r.method === 'ANY');
      if (hit) return { kind: 'match', route: hit, pathParameters: {} };
    }
    const allow = new Set<string>();
    for (const c of compiled) {
      const m = c.re.exec(path);
      if (!m) continue;
      if (c.route.method === method || c.route.method === 'ANY') {
        const pathParameters: Record<string, string> = {};
        c.names.forEach((n, i) => {
          const raw = m[i + 1]!;
          try {
            pathParameters[n] = decodeURIComponent(raw);
          } catch {
            pathParameters[n] = raw;
          }
        });
        return { kind: 'match', route: c.route, pathParameters };
      }
      allow.add(c.route.method);
    }
    if (allow.size) return { kind: 'method_not_allowed', allow: [...allow].sort() };
    return { kind: 'not_found' };
  };
}
