/**
 * A Lambda entry: the function's container is built once per cold start, on the first event, from
 * the validated environment; `withContainer` gives the same handler over a container the caller built (the
 * local runtime runs every function in one process over one container).
 */
import { type Config, loadConfig } from '../../shared/config/index.js';
import {
  type HandlerRoute,
  type HttpOptions,
  httpHandler,
  type RouteImpl,
} from '../../shared/http/lambda.js';
import type { RouteDef } from '../../shared/http/route.js';

export type Bindable<C, H extends (...args: never[]) => unknown> = H & { withContainer(container: C): H };

export function lambda<C, E, R, X extends unknown[]>(
  build: (config: Config) => C,
  make: (container: C) => (event: E, ...rest: X) => Promise<R>,
): Bindable<C, (event: E, ...rest: X) => Promise<R>> {
  let bound: ((event: E, ...rest: X) => Promise<R>) | undefined;
  const handler = (event: E, ...rest: X) => {
    bound ??= make(build(loadConfig()));
    return bound(event, ...rest);
  };
  return Object.assign(handler, { withContainer: make });
}

/** An HTTP function: its routes (checked against the route table by a test) and their implementations over the container. */
export function httpLambda<C extends { http: HttpOptions }>(
  build: (config: Config) => C,
  routes: readonly HandlerRoute[],
  impls: (container: C) => Record<string, RouteImpl>,
  allRoutes?: readonly RouteDef[],
) {
  const handler = lambda(build, (c: C) => httpHandler(routes, impls(c), { ...c.http, allRoutes }));
  return Object.assign(handler, { routes });
}
