/**
 * Scheduled handler (EventBridge rule, rate(5 minutes)): runs every reconciler whose next run is
 * due (shared/reconcile/run.ts). Stops taking new pages 30 s before the Lambda timeout.
 */
import { lambda } from '../../infra/container/lambda.js';
import { buildReconcileContainer, type ReconcileContainer } from '../../infra/container/reconcile.js';
import { runDueReconcilers } from '../../shared/reconcile/run.js';

const run =
  ({ reconcile: deps }: ReconcileContainer) =>
  async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
    const remaining = context?.getRemainingTimeInMillis?.() ?? 300_000;
    return runDueReconcilers(deps, { deadline: deps.now() + remaining - 30_000 });
  };

export const handler = lambda(buildReconcileContainer, run);
