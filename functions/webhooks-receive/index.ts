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

// Routes declared inline, not imported from infra/routes.ts: the hot path skips the table's
// schemas (zod) at cold start. test/unit/route-table.test.ts checks they equal the table.
export const handler = httpHandler(
  [
    { method: 'POST', path: '/webhooks/{provider}', auth: 'signature' },
    { method: 'POST', path: '/webhooks/{provider}/{sourceId}', auth: 'signature' },
  ],
  { 'POST /webhooks/{provider}': receive, 'POST /webhooks/{provider}/{sourceId}': receive },
);
