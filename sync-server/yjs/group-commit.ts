import type { DocStore, DocUpdate } from './doc-store.port';

/** An accepted update waiting to be stored, with the transaction origin it was applied under. */
export interface QueuedUpdate {
  readonly update: Uint8Array;
  readonly origin: unknown;
}

/** A document as the commit queue sees it. Neither callback may throw. */
export interface CommitTarget {
  readonly name: string;
  /** Its queued updates were stored (in queue order, with these seqs): broadcast them now. */
  committed(updates: readonly QueuedUpdate[], seqs: readonly number[]): void;
  /** Storing its queued updates failed; none of them is stored. */
  persistFailed(err: unknown): void;
}

/**
 * Group commit for the whole hub. Documents queue the updates they accepted; everything queued
 * in one event-loop turn is appended in one store call (one SQLite transaction), and only then
 * handed back for broadcast. `setImmediate` runs after the poll phase, so a turn's batch holds
 * every frame that was read in it; nothing waits on a timer.
 *
 * Ordering: a document's updates are stored and handed back in the order they were queued;
 * updates queued while a flush runs go into the next batch. Failure: if the batch's transaction
 * fails, each document is retried on its own transaction, so one failing document does not
 * take the others down; a document whose append fails gets `persistFailed` and none of its
 * queued updates is stored or handed back.
 */
export class GroupCommit {
  private queues = new Map<CommitTarget, QueuedUpdate[]>();
  private scheduled = false;

  constructor(
    private readonly store: DocStore,
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
  ) {}

  enqueue(target: CommitTarget, update: Uint8Array, origin: unknown): void {
    let queue = this.queues.get(target);
    if (queue === undefined) {
      queue = [];
      this.queues.set(target, queue);
    }
    queue.push({ update, origin });
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** How many updates of `target` are queued (a mark for `discardAfter`). */
  queued(target: CommitTarget): number {
    return this.queues.get(target)?.length ?? 0;
  }

  /**
   * Drops `target`'s queued updates after the first `keep`, unstored: for a transaction that
   * threw half-way, whose 'update' event still fired (Yjs cleans up in a `finally`).
   */
  discardAfter(target: CommitTarget, keep: number): void {
    const queue = this.queues.get(target);
    if (queue === undefined) return;
    queue.length = Math.min(queue.length, keep);
    if (queue.length === 0) this.queues.delete(target);
  }

  /** Stores everything queued now, then hands it back. Called early by anyone about to reveal state. */
  flush(): void {
    if (this.queues.size === 0) return;
    const batch = this.queues;
    this.queues = new Map();
    const entries: DocUpdate[] = [];
    for (const [target, queue] of batch)
      for (const queued of queue) entries.push({ docName: target.name, update: queued.update });
    let seqs: number[];
    try {
      seqs = this.store.appendBatch(entries);
    } catch {
      // Not stored at all (the call is atomic). Find out which document it was.
      this.flushEachOnItsOwn(batch);
      return;
    }
    let offset = 0;
    for (const [target, queue] of batch) {
      target.committed(queue, seqs.slice(offset, offset + queue.length));
      offset += queue.length;
    }
  }

  private flushEachOnItsOwn(batch: Map<CommitTarget, QueuedUpdate[]>): void {
    for (const [target, queue] of batch) {
      let seqs: number[];
      try {
        seqs = this.store.appendBatch(
          queue.map((queued) => ({ docName: target.name, update: queued.update })),
        );
      } catch (err) {
        target.persistFailed(err);
        continue;
      }
      target.committed(queue, seqs);
    }
  }
}
