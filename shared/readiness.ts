/** Readiness (GET /health/ready): each dependency answers within a short timeout, or is named as down. */
import { HookbridgeError } from './errors.js';

export const READINESS_CHECKS = ['store', 'secrets'] as const;
export type ReadinessCheck = (typeof READINESS_CHECKS)[number];
export type CheckState = 'ok' | 'down';

/** Each check is one cheap call; it passes when it settles without throwing within the timeout. */
export type ReadinessProbes = Record<ReadinessCheck, () => Promise<unknown>>;

/** Short enough that a hung dependency never holds the caller (API Gateway allows 30 s). */
export const READINESS_TIMEOUT_MS = 2000;

async function within(probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckState> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<CheckState>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check at once: `{status: "ready", checks}` when all are ok, else 503 (code
 * `store_unavailable` or `secrets_unavailable`, the first one down) with `checks` naming each.
 */
export async function checkReadiness(
  probes: ReadinessProbes,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<{ status: 'ready'; checks: Record<ReadinessCheck, 'ok'> }> {
  const states = await Promise.all(READINESS_CHECKS.map((name) => within(probes[name], timeoutMs)));
  const checks = Object.fromEntries(READINESS_CHECKS.map((name, i) => [name, states[i]!])) as Record<
    ReadinessCheck,
    CheckState
  >;
  const down = READINESS_CHECKS.filter((name) => checks[name] === 'down');
  if (down.length === 0) return { status: 'ready', checks: checks as Record<ReadinessCheck, 'ok'> };
  throw new HookbridgeError(`${down[0]!}_unavailable`, `Not ready: ${down.join(' and ')} down`, {
    extensions: { checks },
  });
}
