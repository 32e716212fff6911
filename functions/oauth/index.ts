import { buildConnectionsContainer, type ConnectionsContainer } from '../../infra/container/connections.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { connectionRoutes } from '../../infra/routes/connections.js';
import { callback, authorize as startAuthorization } from '../../shared/connections/flow.js';
import { errorPage, successPage } from '../../shared/connections/pages.js';
import { HookbridgeError } from '../../shared/errors.js';
import { routesOf } from '../../shared/http/route.js';
import { type HttpRequest, type HttpResponse, html, redirect } from '../../shared/http/types.js';

const impls = ({ connections: deps, log }: ConnectionsContainer) => {
  /** Browser routes answer with pages, never problem+json: a person is reading them. */
  const asPage =
    (impl: (req: HttpRequest) => Promise<HttpResponse>) =>
    async (req: HttpRequest): Promise<HttpResponse> => {
      try {
        return await impl(req);
      } catch (err) {
        const e = err instanceof HookbridgeError ? err : new HookbridgeError('internal');
        if (e.status >= 500)
          log.error('oauth step failed', {
            route: req.routeKey,
            code: e.code,
            error: (err as Error).message,
          });
        else log.warn('oauth step refused', { route: req.routeKey, code: e.code });
        const detail = e.code === 'internal' ? 'Something went wrong on our side.' : e.message;
        return html(e.status, errorPage(e.code, detail));
      }
    };
  return {
    'GET /oauth/authorize': asPage(async (req) => {
      const out = await startAuthorization(deps, req.query.session, req.baseUrl);
      return redirect(out.location!, out.cookies);
    }),
    'GET /oauth/callback': asPage(async (req) => {
      const out = await callback(deps, req, req.baseUrl);
      if (out.kind === 'redirect') return redirect(out.location!, out.cookies);
      return html(200, successPage(out.connectionId!, out.providerName), out.cookies);
    }),
  };
};

export const handler = httpLambda(buildConnectionsContainer, routesOf(connectionRoutes, 'oauth'), impls);
