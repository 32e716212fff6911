import { buildCore, type CoreContainer } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { receiveWebhook } from '../../shared/webhooks/receive.js';

const impls = (c: CoreContainer) => {
  const deps = { secrets: c.secrets, store: c.events, now: () => c.clock.now(), log: c.log };
  const receive = (req: HttpRequest) => receiveWebhook(req, deps);
  return { 'POST /webhooks/{provider}': receive, 'POST /webhooks/{provider}/{sourceId}': receive };
};

// Routes declared inline, not imported from infra/routes.ts: the hot path skips the table's
// schemas (zod) at cold start. test/unit/route-table.test.ts checks they equal the table.
export const handler = httpLambda(
  buildCore,
  [
    { method: 'POST', path: '/webhooks/{provider}', auth: 'signature' },
    { method: 'POST', path: '/webhooks/{provider}/{sourceId}', auth: 'signature' },
  ],
  impls,
);
