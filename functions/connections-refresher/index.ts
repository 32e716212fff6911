/**
 * Scheduled handler (EventBridge rule, rate(5 minutes)): see shared/connections/refresher.ts.
 * Stops taking new pages 30 s before the Lambda timeout.
 */
import { buildConnectionsContainer, type ConnectionsContainer } from '../../infra/container/connections.js';
import { lambda } from '../../infra/container/lambda.js';
import { runRefresher } from '../../shared/connections/refresher.js';

const run =
  ({ connections: deps }: ConnectionsContainer) =>
  async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
    const remaining = context?.getRemainingTimeInMillis?.() ?? 300_000;
    return runRefresher(deps, { deadline: deps.now() + remaining - 30_000 });
  };

export const handler = lambda(buildConnectionsContainer, run);
