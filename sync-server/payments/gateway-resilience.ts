import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleType,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';

/** Thrown inside the policy when the gateway answered "unavailable", so cockatiel counts it. */
export class GatewayUnavailableError extends Error {
  constructor(detail: string) {
    super(`Payment gateway unavailable: ${detail}`);
    this.name = 'GatewayUnavailableError';
  }
}

export interface GatewayResilienceOptions {
  /** Attempts per drive of a payment change before giving it back to the sweep. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Consecutive failures that open the breaker. */
  readonly breakAfter: number;
  /** How long the breaker stays open before letting one probe call through. */
  readonly halfOpenAfterMs: number;
}

export const DEFAULT_GATEWAY_RESILIENCE: GatewayResilienceOptions = {
  maxAttempts: 4,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  breakAfter: 5,
  halfOpenAfterMs: 5000,
};

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Retry (capped exponential backoff with full jitter) around a circuit breaker:
 * each attempt passes the breaker, and while it is open calls fail fast with
 * BrokenCircuitError, which is not retried — the payment change simply stays
 * "processing" until a later sweep finds the gateway back.
 *
 * `onBreakerState` runs on every breaker transition; `onCallFailed` after each attempt that
 * reached the gateway and got "unavailable" (not for calls refused by the open breaker).
 */
export function createGatewayPolicy(
  options: GatewayResilienceOptions,
  onBreakerState: (state: BreakerState) => void = () => undefined,
  onCallFailed: () => void = () => undefined,
): { policy: IPolicy; breakerState: () => BreakerState } {
  const breaker = circuitBreaker(handleType(GatewayUnavailableError), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakAfter),
  });
  breaker.onStateChange((state) => {
    onBreakerState(STATE_NAMES[state]);
  });
  breaker.onFailure(({ handled }) => {
    if (handled) onCallFailed();
  });
  const retrying = retry(handleType(GatewayUnavailableError), {
    maxAttempts: options.maxAttempts,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialDelayMs,
      maxDelay: options.maxDelayMs,
      generator: fullJitterGenerator,
    }),
  });
  return { policy: wrap(retrying, breaker), breakerState: () => STATE_NAMES[breaker.state] };
}
