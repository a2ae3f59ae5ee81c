/**
 * When the core's utility process dies unexpectedly, the shell restarts it
 * with growing delays, and gives up on a crash loop so the operator sees an
 * error instead of a window that silently retries forever. Pure, for tests.
 */
export interface RestartPolicy {
  /** Crashes tolerated within `windowMs` before giving up. */
  readonly maxCrashes: number;
  readonly windowMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxCrashes: 5,
  windowMs: 60_000,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
};

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number }
  | { readonly action: 'give-up'; readonly crashesInWindow: number };

/**
 * Decides after a crash at `now`, given the times of all crashes so far
 * (including this one). Only crashes inside the sliding window count, so a core
 * that crashed twice last week restarts immediately today.
 */
export function decideRestart(
  crashTimes: readonly number[],
  now: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): RestartDecision {
  const recent = crashTimes.filter((t) => now - t < policy.windowMs).length;
  if (recent > policy.maxCrashes) return { action: 'give-up', crashesInWindow: recent };
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, recent - 1));
  return { action: 'restart', delayMs };
}
