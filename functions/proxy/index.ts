import { httpLambda } from '../../infra/container/lambda.js';
import { buildProxyContainer, type ProxyContainer } from '../../infra/container/proxy.js';
import { ConnectionProxyParams, IntegrationProxyParams, proxyRoutes } from '../../infra/routes/proxy.js';
import { HookbridgeError } from '../../shared/errors.js';
import { routesOf } from '../../shared/http/route.js';
import { type HttpRequest, type HttpResponse, parseParams } from '../../shared/http/types.js';
import {
  callConnection,
  callIntegration,
  type ProxyRequest,
  type ProxyResponse,
} from '../../shared/proxy/client.js';

/** The upstream path exactly as the caller encoded it: rawPath after `/proxy/{id}/` or `/proxy/integrations/{id}/`. */
function upstreamRequest(req: HttpRequest, prefixSegments: number): ProxyRequest {
  const segments = req.rawPath.split('/');
  const path = segments.slice(prefixSegments + 1).join('/');
  if (!path) throw new HookbridgeError('invalid_request', 'A path below the API base URL is required');
  return {
    method: req.method,
    path,
    query: req.rawQueryString,
    headers: req.headers,
    body: req.rawBody.length ? req.rawBody : undefined,
  };
}

const toResponse = (res: ProxyResponse): HttpResponse => ({
  status: res.status,
  headers: { ...res.headers, 'x-hookbridge-attempts': String(res.attempts) },
  body: res.body,
});

const impls = ({ proxy: deps }: ProxyContainer) => ({
  'ANY /proxy/{connectionId}/{path+}': async (req: HttpRequest) => {
    const { connectionId } = parseParams(req, ConnectionProxyParams);
    return toResponse(await callConnection(connectionId, upstreamRequest(req, 2), deps));
  },
  'ANY /proxy/integrations/{integrationId}/{path+}': async (req: HttpRequest) => {
    const { integrationId } = parseParams(req, IntegrationProxyParams);
    return toResponse(await callIntegration(integrationId, upstreamRequest(req, 3), deps));
  },
});

export const handler = httpLambda(buildProxyContainer, routesOf(proxyRoutes, 'proxy'), impls);
