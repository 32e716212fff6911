import { SCOPES, type Scope } from '../../shared/auth/scopes.js';
import type { RouteAuth, RouteDef } from '../../shared/http/route.js';
import { IdParams } from '../../shared/schemas/common.js';

/** Who may call a route: an API key with this scope, or no key (`none`, `signature`, `browser`, `session`). */
type Access = Scope | Exclude<RouteAuth, 'api-key'>;
type Rest = Omit<Partial<RouteDef>, 'method' | 'path' | 'fn' | 'auth' | 'scope' | 'tag' | 'summary'>;

const isScope = (a: Access): a is Scope => (SCOPES as readonly string[]).includes(a);
const authOf = (a: Access): Pick<RouteDef, 'auth' | 'scope'> =>
  isScope(a) ? { auth: 'api-key', scope: a } : { auth: a as Exclude<RouteAuth, 'api-key'> };

/**
 * A function's routes share their function and tag; each route is then its method, path, who may
 * call it, a summary, and what else it declares.
 */
export function routeGroup(fn: string, tag: string) {
  const route =
    (method: RouteDef['method']) =>
    (path: string, access: Access, summary: string, rest: Rest = {}): RouteDef => ({
      method,
      path,
      fn,
      ...authOf(access),
      tag,
      summary,
      ...rest,
    });
  return {
    get: route('GET'),
    post: route('POST'),
    put: route('PUT'),
    delete: route('DELETE'),
    any: route('ANY'),
  };
}

/** The 400 of a paged list whose cursor the caller made up (or took from another list). */
export const badCursor = (forWhat: 'this list' | 'these filters') => ({
  400: `invalid_cursor: a cursor this API did not return for ${forWhat}`,
});

/** A route whose path names one resource by id: the id's pattern, and 404 when there is none. */
export const byId = (what: string) => ({
  params: IdParams,
  errors: { 404: `not_found: no ${what} with this id` },
});
