import * as z from 'zod/mini';
import type { RouteDef } from '../../shared/http/route.js';
import { WEBHOOK_PROVIDERS } from '../../shared/webhooks/manifest.js';
import { routeGroup } from './define.js';

const Stored = z
  .object({ status: z.enum(['stored', 'duplicate']), id: z.string() })
  .register(z.globalRegistry, { id: 'WebhookReceived' });

// Some providers expect their own answer: Slack's URL handshake, Adyen's "[accepted]".
const Received = {
  description: 'Stored (or a duplicate of a stored event); Slack’s url_verification is answered, not stored',
  content: {
    'application/json': z.union([
      Stored,
      z.object({ challenge: z.string() }).register(z.globalRegistry, { id: 'SlackChallenge' }),
    ]),
    'text/plain': z.literal('[accepted]').check(z.describe('Adyen: the acknowledgement it requires')),
  },
};

// Documentation only: the receiver answers 404 (unknown_provider / unknown_source) for anything else.
const Provider = z.enum(WEBHOOK_PROVIDERS);
const SourceId = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/));

const webhooks = routeGroup('webhooks-receive', 'webhooks');

export const webhookRoutes: RouteDef[] = [
  webhooks.post(
    '/webhooks/{provider}',
    'signature',
    'Receive a webhook from the provider’s default source (secret hookbridge/webhooks/{provider})',
    {
      params: z.object({ provider: Provider }),
      responses: { 200: Received },
    },
  ),
  webhooks.post(
    '/webhooks/{provider}/{sourceId}',
    'signature',
    'Receive a webhook for one source (secret hookbridge/webhooks/{provider}/{sourceId})',
    {
      params: z.object({ provider: Provider, sourceId: SourceId }),
      responses: { 200: Received },
    },
  ),
];
