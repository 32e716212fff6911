import { ROUTES, routesFor } from '../../infra/routes.js';
import { eventStore } from '../../shared/events/store.js';
import { httpHandler } from '../../shared/http/lambda.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { runtime } from '../../shared/runtime.js';
import { receiveWebhook } from '../../shared/webhooks/receive.js';

const receive = (req: HttpRequest) => {
  const rt = runtime();
  return receiveWebhook(req, {
    secrets: rt.secrets,
    store: eventStore(),
    now: () => rt.clock.now(),
    log: rt.log,
  });
};

export const handler = httpHandler(
  routesFor('webhooks-receive'),
  { 'POST /webhooks/{provider}': receive, 'POST /webhooks/{provider}/{sourceId}': receive },
  ROUTES,
);
