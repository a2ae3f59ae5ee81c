import type { ServiceLevel } from '../../domain/protocol';
import type { BreakerState } from '../payments';

/**
 * Card payments as operators should hear about them, from what the server saw of the card
 * company on real calls (the gateway circuit breaker and failed calls); there is no separate
 * health probe, so an outage nobody has called into yet shows as `ok` until the first call.
 *
 * - down: the breaker is open, half-open or isolated. Half-open counts as down because one
 *   probe call is not recovery yet; otherwise the level would flap with every sweep's probe.
 * - degraded: the breaker is closed, but a call failed within `degradedForMs` (retried
 *   failures, a flaky gateway that has not failed often enough in a row to open the breaker).
 * - ok: otherwise. The breaker closing again (a probe succeeded) is recovery: earlier
 *   failures no longer count.
 */
export class GatewayHealth {
  #breaker: BreakerState = 'closed';
  #lastFailureAt: number | null = null;

  constructor(private readonly degradedForMs = 30_000) {}

  breakerChanged(state: BreakerState): void {
    this.#breaker = state;
    if (state === 'closed') this.#lastFailureAt = null;
  }

  /** A call reached the gateway and it did not answer usefully (unavailable, timeout). */
  callFailed(at: number): void {
    this.#lastFailureAt = at;
  }

  level(now: number): ServiceLevel {
    if (this.#breaker !== 'closed') return 'down';
    if (this.#lastFailureAt !== null && now - this.#lastFailureAt < this.degradedForMs)
      return 'degraded';
    return 'ok';
  }
}
