import { type BaseContainer, buildBase } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import type { HttpRequest } from '../../shared/http/types.js';
import {
  defaultPayPalContext,
  type PayPalContext,
  standInRootsPem,
} from '../../shared/webhooks/providers/paypal/context.js';
import { receiveWebhook } from '../../shared/webhooks/receive.js';

const impls = (c: BaseContainer) => {
  const { config } = c;
  let paypal: PayPalContext | undefined;
  const deps = {
    secrets: c.secrets,
    store: c.events,
    secretsFile: config.HOOKBRIDGE_SECRETS_FILE,
    now: () => c.clock.now(),
    log: c.log,
    // A getter: PayPal's context is built on the first PayPal request, not for every provider.
    verifyContext: {
      get paypal() {
        paypal ??= defaultPayPalContext({
          log: c.log,
          policy: c.policy,
          // The tests' and the local runtime's stand-in roots; none outside local mode.
          trustRootPem: standInRootsPem(config),
          resolver: c.net.resolver,
          transport: c.net.transport,
        });
        return paypal;
      },
    },
  };
  const receive = (req: HttpRequest) => receiveWebhook(req, deps);
  return { 'POST /webhooks/{provider}': receive, 'POST /webhooks/{provider}/{sourceId}': receive };
};

// Routes declared inline, not imported from infra/routes.ts: the hot path skips the table's
// schemas (zod) at cold start. test/unit/route-table.test.ts checks they equal the table.
export const handler = httpLambda(
  buildBase,
  [
    { method: 'POST', path: '/webhooks/{provider}', auth: 'signature' },
    { method: 'POST', path: '/webhooks/{provider}/{sourceId}', auth: 'signature' },
  ],
  impls,
);
