import { setLongTimeout, type LongTimeout } from './long-timeout';

export interface PeriodicPassEvents<P> {
  /** After every finished pass. */
  passed(pass: P): void;
  /** A pass that threw; the next one still runs after the interval. */
  failed(error: unknown): void;
}

/**
 * Runs `pass` at once, then again `intervalMs` after each one ends (the feed and audit
 * pruners). Passes never overlap; `stop` waits for the one in flight, and a pass that works in
 * batches checks `halted` between them. The timer is unref'd and re-arms itself, so intervals
 * of days (`--feed-prune-interval 30d`) work although setTimeout holds less.
 */
export class PeriodicPasses<P> {
  #timer: LongTimeout | null = null;
  #pass: Promise<void> | null = null;
  #halted = false;

  constructor(
    private readonly pass: () => Promise<P>,
    private readonly intervalMs: number,
    private readonly events: PeriodicPassEvents<P>,
  ) {}

  /** Whether `stop` was called: a batched pass ends after its current batch. */
  get halted(): boolean {
    return this.#halted;
  }

  /** First pass at once, then one every `intervalMs` after the previous one ends. */
  start(): void {
    if (this.#timer || this.#pass) return;
    this.#halted = false;
    this.#schedule(0);
  }

  /** No further passes; resolves once the pass in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.#halted = true;
    this.#timer?.clear();
    this.#timer = null;
    await this.#pass;
  }

  #schedule(delayMs: number): void {
    this.#timer = setLongTimeout(() => {
      this.#timer = null;
      this.#pass = this.#tick();
    }, delayMs);
  }

  async #tick(): Promise<void> {
    try {
      this.events.passed(await this.pass());
    } catch (error) {
      this.events.failed(error);
    }
    this.#pass = null;
    if (!this.#halted) this.#schedule(this.intervalMs);
  }
}
