/**
 * The whole container: every part over one core, as the local runtime and the tests run it (all
 * functions in one process, sharing one table client, secret cache and connection refreshes).
 * Each Lambda function builds only its own part (see lambda.ts and the functions' entries).
 */

import { imageToItem } from '../../shared/adapters/dynamodb/stream.js';
import type { Config } from '../../shared/config/index.js';
import { type ConnectionsContainer, connectionsPart } from './connections.js';
import { buildBase, type Overrides } from './core.js';
import { type DeliveryContainer, deliveryPart } from './delivery.js';
import { type ProxyContainer, proxyPart } from './proxy.js';
import { type ReconcileContainer, reconcilePart } from './reconcile.js';

export type { BaseContainer, CoreContainer, Overrides } from './core.js';
export type { ConnectionsContainer, DeliveryContainer, ProxyContainer, ReconcileContainer };

export type Container = DeliveryContainer & ConnectionsContainer & ProxyContainer & ReconcileContainer;

export function buildContainer(config: Config, overrides: Overrides = {}): Container {
  const core = buildBase(config, overrides);
  const connections = connectionsPart(core);
  const proxy = proxyPart(core, connections);
  return {
    ...core,
    delivery: deliveryPart(core),
    streamItem: imageToItem,
    connections,
    proxy,
    reconcile: reconcilePart(core, proxy),
  };
}
