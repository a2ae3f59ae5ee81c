/**
 * Capped exponential backoff with full jitter (AWS architecture blog's
 * "full jitter"): a uniformly random delay in [0, min(cap, base·2^attempt)],
 * so many desktops coming back after an outage do not retry in lockstep.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
