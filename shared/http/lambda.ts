import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type AuthDeps, authenticate, authenticateSession } from '../auth/authenticate.js';
import { consoleApiPath } from '../console/session.js';
import { HookbridgeError, toProblem } from '../errors.js';
import type { Logger } from '../log.js';
import { createRouter, type RouteDef, routeKey } from './route.js';
import type { HttpRequest, HttpResponse } from './types.js';

export type RouteImpl = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** API Gateway HTTP API (payload v2.0) event -> HttpRequest, keeping the body's exact bytes. */
export function fromEvent(event: APIGatewayProxyEventV2, publicUrl?: string): HttpRequest {
  const headers = event.headers ?? {};
  const ctx = event.requestContext;
  const stage = ctx.stage && ctx.stage !== '$default' ? `/${ctx.stage}` : '';
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const body = event.body ?? '';
  return {
    routeKey: event.routeKey,
    method: ctx.http.method,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString ?? '',
    pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
    query: (event.queryStringParameters ?? {}) as Record<string, string>,
    headers: headers as Record<string, string>,
    cookies: event.cookies ?? [],
    rawBody: Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8'),
    requestId: ctx.requestId,
    sourceIp: ctx.http.sourceIp,
    baseUrl: (publicUrl || `${proto}://${ctx.domainName}${stage}`).replace(/\/+$/, ''),
  };
}

/** HttpResponse -> API Gateway result; bytes are sent base64-encoded as API Gateway expects. */
export function toResult(res: HttpResponse): APIGatewayProxyStructuredResultV2 {
  const out: APIGatewayProxyStructuredResultV2 = { statusCode: res.status, headers: res.headers ?? {} };
  if (res.cookies?.length) out.cookies = res.cookies;
  if (res.body === undefined || res.body === null) return out;
  if (Buffer.isBuffer(res.body) || res.body instanceof Uint8Array) {
    out.body = Buffer.from(res.body).toString('base64');
    out.isBase64Encoded = true;
  } else if (typeof res.body === 'string') {
    out.body = res.body;
  } else {
    out.body = JSON.stringify(res.body);
    out.headers = { 'content-type': 'application/json', ...out.headers };
  }
  return out;
}

export function problemResponse(err: unknown, instance?: string): HttpResponse {
  const { problem, headers } = toProblem(err, instance);
  return {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(problem),
  };
}

/**
 * `/console/api/<path>` is `<path>` called with the console's session cookie instead of a bearer
 * key: the same route, handler and scope check; only API-key routes are reachable this way.
 */
function unprefixConsole(event: APIGatewayProxyEventV2): {
  event: APIGatewayProxyEventV2;
  viaConsole: boolean;
} {
  const path = consoleApiPath(event.rawPath ?? '');
  if (path === undefined) return { event, viaConsole: false };
  const routeKey = event.routeKey.replace(/^(\S+) \/console\/api\//, '$1 /');
  return { event: { ...event, rawPath: path, routeKey }, viaConsole: true };
}

/**
 * Builds a Lambda handler for the routes the route table gives one function. Enforces API-key
 * auth and scopes from the table, and maps every error to problem+json in one place. `$default`
 * (unmatched) requests get 404, or 405 with `Allow`, computed from the whole table.
 */
/** What a handler needs of a route: its key and auth. Hot-path functions declare these inline rather than importing the whole table (and its schemas); a unit test checks they equal the table. */
export type HandlerRoute = Pick<RouteDef, 'method' | 'path' | 'auth' | 'scope'>;

export interface HttpOptions {
  log: Logger;
  /** Needed when any route has `auth: 'api-key'`. */
  auth?: AuthDeps | undefined;
  /** HOOKBRIDGE_PUBLIC_URL: the base URL links and redirects are built on. */
  publicUrl?: string | undefined;
  /**
   * The whole route table, for 404 / 405 with `Allow` on `$default` requests. Without it, a
   * `$default` request (a Lambda Function URL's) is routed by path among the function's own routes.
   */
  allRoutes?: readonly RouteDef[];
}

export function httpHandler(
  routes: readonly HandlerRoute[],
  impls: Record<string, RouteImpl>,
  { log, auth, publicUrl, allRoutes }: HttpOptions,
) {
  const byKey = new Map(routes.map((r) => [routeKey(r), r]));
  for (const key of byKey.keys()) if (!impls[key]) throw new Error(`route ${key} has no implementation`);
  let router: ReturnType<typeof createRouter<HandlerRoute>> | undefined;

  const handler = async (original: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    let req: HttpRequest | undefined;
    const { event, viaConsole } = unprefixConsole(original);
    try {
      req = fromEvent(event, publicUrl);
      let route = byKey.get(event.routeKey);
      if (!route) {
        router ??= createRouter(allRoutes ?? routes);
        const m = router(req.method, req.rawPath);
        if (m.kind === 'method_not_allowed') {
          throw new HookbridgeError('method_not_allowed', `${req.method} is not allowed on ${req.rawPath}`, {
            headers: { allow: m.allow.join(', ') },
          });
        }
        if (m.kind === 'not_found' || !byKey.has(routeKey(m.route))) {
          throw new HookbridgeError('not_found', `No route for ${req.method} ${req.rawPath}`);
        }
        route = byKey.get(routeKey(m.route))!;
        req.pathParameters = m.pathParameters;
        req.routeKey = routeKey(route);
      }
      if (route.auth === 'api-key') {
        if (!auth) throw new HookbridgeError('misconfigured', `Route ${req.routeKey} needs API-key auth`);
        if (viaConsole) await authenticateSession(auth, req, route.scope);
        else await authenticate(auth, req.headers.authorization, route.scope);
      } else if (viaConsole) {
        throw new HookbridgeError('not_found', `No console route for ${req.method} ${req.rawPath}`);
      }
      return toResult(await impls[routeKey(route)]!(req));
    } catch (err) {
      const status = err instanceof HookbridgeError ? err.status : 500;
      if (status >= 500) {
        log.error('request failed', {
          route: event.routeKey,
          requestId: event.requestContext?.requestId,
          code: err instanceof HookbridgeError ? err.code : 'internal',
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
          cause: err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined,
        });
      }
      return toResult(problemResponse(err, req?.rawPath));
    }
  };
  return Object.assign(handler, { routes });
}
