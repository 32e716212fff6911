import { buildCore, type CoreContainer } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import { DEFAULT_ROUTE_FN, ROUTES, routesFor } from '../../infra/routes.js';
import { buildOpenApi } from '../../shared/http/openapi.js';
import { json } from '../../shared/http/types.js';
import { VERSION } from '../../shared/version.js';

const impls = ({ config, secrets, clock }: CoreContainer) => {
  let openapi: string | undefined;
  return {
    'GET /health': () =>
      json(200, {
        status: 'ok',
        version: VERSION,
        store: config.HOOKBRIDGE_DYNAMODB_ENDPOINT ? 'dynalite' : 'dynamodb',
        secrets: secrets.store.kind,
        time: new Date(clock.now()).toISOString(),
      }),
    'GET /openapi.json': (req: { baseUrl: string }) => {
      openapi ??= JSON.stringify(buildOpenApi(ROUTES, { version: VERSION, serverUrl: req.baseUrl }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: openapi };
    },
  };
};

export const handler = httpLambda(buildCore, routesFor(DEFAULT_ROUTE_FN), impls, ROUTES);
