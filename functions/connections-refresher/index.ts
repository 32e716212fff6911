/**
 * Scheduled handler (EventBridge rule, rate(5 minutes)): see shared/connections/refresher.ts.
 * Stops taking new pages 30 s before the Lambda timeout.
 */
import { connectionDeps } from '../../shared/connections/deps.js';
import { runRefresher } from '../../shared/connections/refresher.js';

export const handler = async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
  const deps = connectionDeps();
  const remaining = context?.getRemainingTimeInMillis?.() ?? 300_000;
  return runRefresher(deps, { deadline: deps.now() + remaining - 30_000 });
};
