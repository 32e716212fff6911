/** The composition root, reconcile part: reconcilers, the event store's put, and the proxy's integration path. */

import { DynamoReconcilerRepo } from '../../shared/adapters/dynamodb/reconcilers.js';
import type { Config } from '../../shared/config/index.js';
import type { ProxyDeps } from '../../shared/proxy/client.js';
import type { ReconcilerSettingsDeps } from '../../shared/reconcile/reconcilers.js';
import type { ReconcileDeps } from '../../shared/reconcile/run.js';
import { type BaseContainer, buildBase, type Overrides } from './core.js';
import { proxyPart } from './proxy.js';

export interface ReconcileContainer extends BaseContainer {
  reconcile: ReconcileDeps & ReconcilerSettingsDeps;
}

export function reconcilePart(
  core: BaseContainer,
  proxy: ProxyDeps = proxyPart(core),
): ReconcileContainer['reconcile'] {
  const { clock, table } = core;
  return {
    reconcilers: new DynamoReconcilerRepo(table.ddb, table.name),
    events: core.events,
    integrations: proxy.integrations,
    proxy,
    now: () => clock.now(),
    log: core.log,
  };
}

export function buildReconcileContainer(config: Config, overrides?: Overrides): ReconcileContainer {
  const core = buildBase(config, overrides);
  return { ...core, reconcile: reconcilePart(core) };
}
