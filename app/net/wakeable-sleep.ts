/**
 * A sleep that can be cut short: background loops (feed, outbox) wait between
 * rounds but wake at once when there is news (a command was queued, the network
 * came back, the loop is stopping).
 */
export class WakeableSleep {
  #wake: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const finish = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      function done(): void {
        finish();
      }
      this.#wake = finish;
    });
  }

  wake(): void {
    this.#wake?.();
  }
}
