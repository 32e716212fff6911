import { eventStore } from '../../shared/events/store.js';
import { httpHandler } from '../../shared/http/lambda.js';
import type { HttpRequest } from '../../shared/http/types.js';
import { log } from '../../shared/log.js';
import { runtime } from '../../shared/runtime.js';
import { defaultPayPalContext, type PayPalContext } from '../../shared/webhooks/providers/paypal/context.js';
import { receiveWebhook } from '../../shared/webhooks/receive.js';

// One PayPal context per runtime (the local runtime rebuilds the runtime when it restarts).
// The two settings are read here until the container owns them.
const paypalContexts = new WeakMap<object, PayPalContext>();
const paypalFor = (rt: object): PayPalContext => {
  let ctx = paypalContexts.get(rt);
  if (!ctx) {
    ctx = defaultPayPalContext({
      log,
      // Test-only trust root for the tests' own PayPal stand-in chain; local mode only.
      trustRootPem:
        process.env.HOOKBRIDGE_LOCAL === 'true' ? process.env.HOOKBRIDGE_TEST_TRUST_ROOT_PEM : undefined,
    });
    paypalContexts.set(rt, ctx);
  }
  return ctx;
};

const receive = (req: HttpRequest) => {
  const rt = runtime();
  return receiveWebhook(req, {
    secrets: rt.secrets,
    store: eventStore(),
    now: () => rt.clock.now(),
    log: rt.log,
    // A getter: the context is built on the first PayPal request, as before, not for every provider.
    verifyContext: {
      get paypal() {
        return paypalFor(rt);
      },
    },
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
