import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { RecordStorePort } from '../records';
import { PeriodicPasses } from '../timers';

/** Audit-trail retention: how old a line may get, and how the periodic prune paces itself. */
export interface AuditRetentionOptions {
  /** Lines older than this go ("keep the trail 400 days"). */
  readonly maxAgeMs: number;
  /** Lines removed per batch; each batch is one short write. */
  readonly batchSize: number;
  /** From the end of one pass to the start of the next. */
  readonly intervalMs: number;
}

/** What one pass did; counts only (it is logged). */
export interface AuditPrunePass {
  readonly pruned: number;
  readonly batches: number;
  /** Lines written before this instant were due (ms since the epoch). */
  readonly cutoff: number;
  readonly ms: number;
}

export interface AuditPrunerEvents {
  /** After each batch that removed lines, so a counter moves while a long pass runs. */
  pruned(lines: number): void;
  /** After every finished pass, also one that found nothing to prune. */
  passed(pass: AuditPrunePass): void;
  /** A pass that threw; the next one still runs after the interval. */
  failed(error: unknown): void;
}

/**
 * Prunes the audit trail periodically, paced as FeedPruner paces the feed: batch by batch,
 * yielding to the event loop between batches, so a first pass over years of lines (retention
 * just turned on, or shortened) never holds the SQLite writer longer than one batch. The
 * cutoff is fixed when a pass starts, so a pass always ends. Passes never overlap; `stop`
 * waits for the batch in flight.
 */
export class AuditPruner {
  readonly #periodic: PeriodicPasses<AuditPrunePass>;

  constructor(
    private readonly store: Pick<RecordStorePort, 'pruneAudit'>,
    private readonly now: () => number,
    private readonly options: AuditRetentionOptions,
    private readonly events: AuditPrunerEvents,
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
  async runPass(): Promise<AuditPrunePass> {
    const started = performance.now();
    const cutoff = this.now() - this.options.maxAgeMs;
    let pruned = 0;
    let batches = 0;
    for (;;) {
      const batch = await this.store.pruneAudit({
        before: cutoff,
        maxEntries: this.options.batchSize,
      });
      batches += 1;
      pruned += batch.pruned;
      if (batch.pruned > 0) this.events.pruned(batch.pruned);
      if (!batch.more || this.#periodic.halted)
        return { pruned, batches, cutoff, ms: Math.round(performance.now() - started) };
      await yieldToEventLoop();
    }
  }
}
