import { type BaseContainer, buildBase } from '../../infra/container/core.js';
import { httpLambda } from '../../infra/container/lambda.js';
import type { HttpRequest } from '../../shared/http/types.js';
import type { PayPalContext } from '../../shared/webhooks/providers/paypal/context.js';
import { receiveWebhook } from '../../shared/webhooks/receive.js';

const impls = (c: BaseContainer) => {
  const { config } = c;
  let paypal: Promise<PayPalContext> | undefined;
  const deps = {
    secrets: c.secrets,
    store: c.events,
    secretsFile: config.HOOKBRIDGE_SECRETS_FILE,
    now: () => c.clock.now(),
    log: c.log,
    // A getter: PayPal's context (and its module, with the OAuth token code) loads on the first
    // PayPal request, not at every cold start.
    verifyContext: {
      get paypal() {
        paypal ??= import('../../shared/webhooks/providers/paypal/context.js').then((m) =>
          m.defaultPayPalContext({
            log: c.log,
            policy: c.policy,
            // The tests' and the local runtime's stand-in roots; none outside local mode.
            trustRootPem: m.standInRootsPem(config),
            resolver: c.net.resolver,
            transport: c.net.transport,
          }),
        );
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
