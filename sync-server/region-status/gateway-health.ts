import type { ServiceLevel } from '../../domain/protocol';
import type { BreakerState } from '../payments';

export interface GatewayHealthOptions {
  /** How long one failed real call keeps the level at `degraded` (default 30 s). */
  readonly degradedForMs?: number;
  /** Failed health probes in a row that make the level `down` (default 2). */
  readonly downAfterFailedProbes?: number;
}

/**
 * Card payments as operators should hear about them, from two kinds of evidence: real payment
 * calls (the gateway circuit breaker and failed calls) and the health prober's calls
 * (`GatewayProber`), which find an outage before any agent's change runs into it.
 *
 * - down: the breaker is open, half-open or isolated. Half-open counts as down because one
 *   trial call is not recovery yet; otherwise the level would flap with every sweep's trial.
 *   Also down after `downAfterFailedProbes` failed probes in a row, even while the breaker is
 *   closed (nobody has called the company yet; the next agent would be the first to fail).
 * - degraded: the breaker is closed, but the last probe failed (fewer than
 *   `downAfterFailedProbes` in a row: one lost probe is not an outage yet), or a real call
 *   failed within `degradedForMs` (retried failures, a flaky gateway that has not failed often
 *   enough in a row to open the breaker).
 * - ok: otherwise.
 *
 * Recovery: a successful probe clears what probes caused, nothing else: an open breaker still
 * means down (the breaker's own half-open trial decides when payments flow again, and the
 * prober never touches the breaker), and a failed real call still counts for its
 * `degradedForMs`. The breaker closing again (a real call succeeded) is the freshest evidence
 * there is: earlier failed calls and failed probes no longer count.
 */
export class GatewayHealth {
  #breaker: BreakerState = 'closed';
  #lastFailureAt: number | null = null;
  #failedProbesInARow = 0;
  readonly #degradedForMs: number;
  readonly #downAfterFailedProbes: number;

  constructor(options: GatewayHealthOptions = {}) {
    this.#degradedForMs = options.degradedForMs ?? 30_000;
    this.#downAfterFailedProbes = options.downAfterFailedProbes ?? 2;
    if (!Number.isSafeInteger(this.#downAfterFailedProbes) || this.#downAfterFailedProbes < 1)
      throw new RangeError('downAfterFailedProbes must be a whole number >= 1');
  }

  breakerChanged(state: BreakerState): void {
    this.#breaker = state;
    if (state === 'closed') {
      this.#lastFailureAt = null;
      this.#failedProbesInARow = 0;
    }
  }

  /** A call reached the gateway and it did not answer usefully (unavailable, timeout). */
  callFailed(at: number): void {
    this.#lastFailureAt = at;
  }

  /** A health probe got "healthy" in time. */
  probeSucceeded(): void {
    this.#failedProbesInARow = 0;
  }

  /** A health probe got "unavailable", timed out, or threw. */
  probeFailed(): void {
    this.#failedProbesInARow += 1;
  }

  level(now: number): ServiceLevel {
    if (this.#breaker !== 'closed') return 'down';
    if (this.#failedProbesInARow >= this.#downAfterFailedProbes) return 'down';
    if (this.#failedProbesInARow > 0) return 'degraded';
    if (this.#lastFailureAt !== null && now - this.#lastFailureAt < this.#degradedForMs)
      return 'degraded';
    return 'ok';
  }
}
