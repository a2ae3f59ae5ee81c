import type { Logger } from 'pino';
import type { HealthCheckOutcome } from '../../domain/payments';
import { setLongTimeout, type LongTimeout } from '../timers';
import type { GatewayHealth } from './gateway-health';

/** How one probe ended; also the `result` label of the probe metrics. */
export type ProbeResult = 'healthy' | 'unavailable' | 'timeout' | 'error';

export interface GatewayProberDeps {
  /**
   * One health call (`PaymentGatewayPort.checkHealth`), made straight on the adapter, never
   * through the circuit breaker: a failed probe must not open the breaker for real payments,
   * a probe must still run while it is open, and a good one must not close it.
   */
  readonly probe: () => Promise<HealthCheckOutcome>;
  /** Where the results go; `GatewayHealth` turns them into the payments level. */
  readonly health: Pick<GatewayHealth, 'probeSucceeded' | 'probeFailed'>;
  /** After each result reached `health` (the status publisher re-checks the level). */
  readonly healthChanged: () => void;
  /** From the start of one probe to the start of the next. */
  readonly intervalMs: number;
  /** A probe not answered within this counts as failed; capped at `intervalMs`. */
  readonly timeoutMs: number;
  /** Milliseconds on a monotonic clock, for the latency. */
  readonly now: () => number;
  readonly log: Logger;
  /** After every probe, with how long it took (for metrics). */
  readonly settled?: (result: ProbeResult, ms: number) => void;
}

/** What one health call came to; `error` only for a call that threw (our bug, not an outage). */
interface Answer {
  readonly result: ProbeResult;
  readonly error?: unknown;
}

/**
 * Asks the card company whether it answers, every `intervalMs`, so that the region status can
 * say "down" before an agent's payment change is the first call to find out, and "ok" again
 * as soon as the company is back (see `GatewayHealth` for what a result does to the level).
 *
 * Probes never overlap: at most one health call is at the gateway at any time. A call that
 * outlives its timeout counts as failed at the deadline, but is not joined by a second one:
 * until it settles, each later round waits for that same call (again up to the timeout)
 * instead of sending another, so a hanging gateway still reaches "down" and is never sent a
 * pile of probes.
 */
export class GatewayProber {
  #timer: LongTimeout | null = null;
  /** The health call at the gateway, until it settles. */
  #outstanding: Promise<Answer> | null = null;
  #failedInARow = 0;
  #stopped = false;
  readonly #timeoutMs: number;

  constructor(private readonly deps: GatewayProberDeps) {
    if (!(deps.intervalMs > 0)) throw new RangeError('the probe interval must be > 0 ms');
    // A slow gateway must not stretch the probe period beyond the interval.
    this.#timeoutMs = Math.min(deps.timeoutMs, deps.intervalMs);
  }

  /** First probe at once, then one every `intervalMs` until stop(). */
  start(): void {
    if (this.#stopped || this.#timer !== null) return;
    this.#schedule(0);
  }

  /** No further probes. A call in flight is not waited for: its answer is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.clear();
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    // Configured intervals may exceed what setTimeout holds; unref'd (a pending probe is no
    // reason to keep the process alive).
    this.#timer = setLongTimeout(() => void this.#round(), delayMs);
  }

  async #round(): Promise<void> {
    const startedAt = this.deps.now();
    const { result, error } = await this.#withinTimeout(this.#outstanding ?? this.#send());
    const ms = this.deps.now() - startedAt;
    if (this.#stopped) return;
    this.#report(result, ms, error);
    this.#schedule(Math.max(0, this.deps.intervalMs - ms));
  }

  #send(): Promise<Answer> {
    const answer = this.#ask();
    this.#outstanding = answer;
    // Always a later microtask than the line above, even when the probe throws at once.
    void answer.then(() => {
      if (this.#outstanding === answer) this.#outstanding = null;
    });
    return answer;
  }

  /** Never rejects: a throwing probe is an `error` result (counted as failed, logged). */
  async #ask(): Promise<Answer> {
    try {
      return { result: (await this.deps.probe()).kind };
    } catch (error) {
      return { result: 'error', error };
    }
  }

  async #withinTimeout(answer: Promise<Answer>): Promise<Answer> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => resolve({ result: 'timeout' }), this.#timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #report(result: ProbeResult, ms: number, error: unknown): void {
    const failedBefore = this.#failedInARow;
    if (result === 'healthy') {
      this.#failedInARow = 0;
      this.deps.health.probeSucceeded();
    } else {
      this.#failedInARow += 1;
      this.deps.health.probeFailed();
    }
    this.deps.settled?.(result, ms);
    this.deps.healthChanged();
    // Outcomes and counts only, and only when the picture changes: one line per outage and one
    // per recovery, not one per probe while it lasts.
    const fields = { result, ms: Math.round(ms) };
    if (result === 'healthy' && failedBefore > 0)
      this.deps.log.info({ ...fields, failedBefore }, 'payment gateway health probe answers again');
    else if (result !== 'healthy' && failedBefore === 0)
      this.deps.log.warn(
        error === undefined ? fields : { ...fields, err: error },
        'payment gateway health probe failed',
      );
    else this.deps.log.debug({ ...fields, failedInARow: this.#failedInARow }, 'gateway probe');
  }
}
