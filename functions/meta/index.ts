import { DEFAULT_ROUTE_FN, ROUTES, routesFor } from '../../infra/routes.js';
import { httpHandler } from '../../shared/http/lambda.js';
import { buildOpenApi } from '../../shared/http/openapi.js';
import { json } from '../../shared/http/types.js';
import { runtime } from '../../shared/runtime.js';
import { VERSION } from '../../shared/version.js';

let openapi: string | undefined;

export const handler = httpHandler(
  routesFor(DEFAULT_ROUTE_FN),
  {
    'GET /health': () => {
      const { config, secrets, clock } = runtime();
      return json(200, {
        status: 'ok',
        version: VERSION,
        store: config.HOOKBRIDGE_DYNAMODB_ENDPOINT ? 'dynalite' : 'dynamodb',
        secrets: secrets.store.kind,
        time: new Date(clock.now()).toISOString(),
      });
    },
    'GET /openapi.json': (req) => {
      openapi ??= JSON.stringify(buildOpenApi(ROUTES, { version: VERSION, serverUrl: req.baseUrl }));
      return { status: 200, headers: { 'content-type': 'application/json' }, body: openapi };
    },
  },
  ROUTES,
);
