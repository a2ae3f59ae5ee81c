import type { Pool } from 'pg';
import type { Logger } from 'pino';

/*
 * Whether PostgreSQL answers, for /readyz (the load balancer takes an instance whose database
 * is unreachable out of rotation) and for refusing API writes with a clear 503 instead of
 * letting them time out. One `SELECT 1` every `intervalMs`, never two at once; an answer slower
 * than `timeoutMs` counts as a failure. Ready again after the first good answer.
 */
export class StorageHealth {
  #ready = true;
  #inFlight = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    private readonly timeoutMs = 1500,
  ) {}

  ready(): boolean {
    return this.#ready;
  }

  start(): void {
    this.#timer = setInterval(() => {
      void this.check();
    }, this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  private async check(): Promise<void> {
    if (this.#inFlight) {
      this.set(false, 'no answer yet to the previous check');
      return;
    }
    this.#inFlight = true;
    // Cleared only when the query itself settles: while PostgreSQL does not answer, one check
    // waits for it (up to the pool's connect timeout) rather than one more every interval.
    const query = this.pool.query('SELECT 1').finally(() => {
      this.#inFlight = false;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        query,
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`no answer within ${this.timeoutMs} ms`));
          }, this.timeoutMs);
        }),
      ]);
      this.set(true, 'answering');
    } catch (error) {
      this.set(false, error instanceof Error ? error.message : String(error));
      query.catch(() => undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  private set(ready: boolean, why: string): void {
    if (ready === this.#ready) return;
    this.#ready = ready;
    if (ready) this.log.warn('PostgreSQL answers again: ready');
    else this.log.error({ why }, 'PostgreSQL unreachable: not ready, refusing writes');
  }
}
