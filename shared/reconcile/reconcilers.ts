/** The reconciler routes' core: configure one (checked against the providers and integrations), read them. */
import { HookbridgeError } from '../errors.js';
import type { IntegrationRepo, ReconcilerRepo } from '../ports/index.js';
import { WEBHOOK_PROVIDERS } from '../webhooks/manifest.js';
import { DEFAULT_SOURCE } from '../webhooks/names.js';
import { EVENTS_APIS, eventsApiFor } from './providers.js';
import { reconcilerIdOf } from './run.js';
import type { Reconciler, ReconcilerSettings } from './types.js';

export interface ReconcilerSettingsDeps {
  reconcilers: ReconcilerRepo;
  integrations: Pick<IntegrationRepo, 'get'>;
  now: () => number;
}

const SUPPORTED = Object.keys(EVENTS_APIS).join(', ');

/** The provider, if it is one with an events API; else the 4xx that says why not. */
function eventsProvider(provider: string): string {
  if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(provider))
    throw new HookbridgeError('unknown_provider', `No webhook provider "${provider.slice(0, 64)}"`);
  if (!eventsApiFor(provider))
    throw new HookbridgeError(
      'invalid_request',
      `${provider} has no events API a reconciler can list (reconcilers: ${SUPPORTED}; see docs/reconciliation.md)`,
    );
  return provider;
}

async function checkIntegration(deps: ReconcilerSettingsDeps, integrationId: string): Promise<void> {
  const found = await deps.integrations.get(integrationId);
  if (!found) throw new HookbridgeError('not_found', `No integration ${integrationId} (integrationId)`);
  if (found.config.type !== 'api-key')
    throw new HookbridgeError(
      'invalid_request',
      `integrationId: ${integrationId} is of type ${found.config.type}; a reconciler lists events with an api-key integration`,
    );
}

/** `PUT /reconcilers/{provider}[/{sourceId}]`: creates or replaces; the checkpoint and runs are kept. */
export async function saveReconciler(
  deps: ReconcilerSettingsDeps,
  provider: string,
  sourceId: string | undefined,
  settings: ReconcilerSettings,
): Promise<{ reconciler: Reconciler; created: boolean }> {
  const source = sourceId ?? DEFAULT_SOURCE;
  const slug = eventsProvider(provider);
  await checkIntegration(deps, settings.integrationId);
  const id = reconcilerIdOf(slug, source);
  return deps.reconcilers.save(
    { id, provider: slug, source, ...settings },
    new Date(deps.now()).toISOString(),
  );
}
