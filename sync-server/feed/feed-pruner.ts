import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RecordStorePort } from '../records';
import { PeriodicPasses } from '../timers';

/** Change-feed retention: what the periodic prune keeps, and how it paces itself. */
export interface FeedRetentionOptions {
  /** Entries younger than this are never pruned ("keep at least 7 days"). */
  readonly minAgeMs: number;
  /** The newest entries that always stay, however old (at least the newest one does). */
  readonly keepNewest: number;
  /** Entries removed per batch; each batch is one short write transaction. */
  readonly batchSize: number;
  /** From the end of one pass to the start of the next. */
  readonly intervalMs: number;
}

/** What one pass did; counts only (it is logged). */
export interface PrunePass {
  readonly pruned: number;
  readonly batches: number;
  readonly oldestRetainedSeq: number;
  readonly ms: number;
}

export interface FeedPrunerEvents {
  /** After each batch that removed entries, so a counter moves while a long pass runs. */
  pruned(entries: number): void;
  /** After every finished pass, also one that found nothing to prune. */
  passed(pass: PrunePass): void;
  /** A pass that threw; the next one still runs after the interval. */
  failed(error: unknown): void;
}

/**
 * Prunes the change feed periodically. A pass removes, batch by batch, every
 * entry older than `minAgeMs` that is not among the newest `keepNewest`, and
 * yields to the event loop between batches: the first pass over a large
 * backlog (retention just turned on, or shortened) never holds the SQLite
 * writer for longer than one batch, and requests are answered in between.
 * The cutoff is fixed when a pass starts, so a pass always ends. Passes never
 * overlap; `stop` waits for the batch in flight.
 */
export class FeedPruner {
  readonly #periodic: PeriodicPasses<PrunePass>;

  constructor(
    private readonly store: Pick<RecordStorePort, 'pruneFeed'>,
    private readonly now: () => number,
    private readonly options: FeedRetentionOptions,
    private readonly events: FeedPrunerEvents,
  ) {
    this.#periodic = new PeriodicPasses(() => this.runPass(), options.intervalMs, events);
  }

  /** First pass at once, then one every `intervalMs` after the previous one ends. */
  start(): void {
    this.#periodic.start();
  }

  /** No further batches or passes; resolves once the batch in flight (if any) has committed. */
  stop(): Promise<void> {
    return this.#periodic.stop();
  }

  /** One pass now. Rejects with the store's error (the periodic runner reports it). */
  async runPass(): Promise<PrunePass> {
    const started = performance.now();
    const retention = {
      writtenBefore: this.now() - this.options.minAgeMs,
      keepNewest: this.options.keepNewest,
      maxEntries: this.options.batchSize,
    };
    let pruned = 0;
    let batches = 0;
    for (;;) {
      const batch = await this.store.pruneFeed(retention);
      batches += 1;
      pruned += batch.pruned;
      if (batch.pruned > 0) this.events.pruned(batch.pruned);
      if (!batch.more || this.#periodic.halted) {
        const ms = Math.round(performance.now() - started);
        return { pruned, batches, oldestRetainedSeq: batch.oldestRetainedSeq, ms };
      }
      await yieldToEventLoop();
    }
  }
}
