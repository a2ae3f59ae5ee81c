import type { DocStore, DocUpdate } from '../store/doc-store.port';

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

type Batch = Map<CommitTarget, QueuedUpdate[]>;

/**
 * Group commit for the whole hub. Documents queue the updates they accepted; everything queued
 * in one event-loop turn is appended with one `store.appendBatch` call (one transaction), and
 * only once that call resolved is it handed back for broadcast. `setImmediate` runs after the
 * poll phase, so a turn's batch holds every frame that was read in it; nothing waits on a timer.
 *
 * Serialized: at most one batch is in flight. Updates queued meanwhile go into the next batch,
 * which starts when the one in flight has been handed back. So a document's updates are stored
 * and handed back in the order they were queued, also with a store whose calls take real time.
 * With a store that works inside the call (SQLite, memory) a flush completes within the
 * microtasks of the turn that started it, so no frame is read while a batch is in flight.
 *
 * Failure: if the batch's call rejects, each document is retried on a call of its own, so one
 * failing document does not take the others down; a document whose append fails gets
 * `persistFailed` and none of its queued updates is stored or handed back. `flush` never rejects.
 */
export class GroupCommit {
  private queues: Batch = new Map();
  private scheduled = false;
  // The batch in flight, and the targets in it.
  private running: Promise<void> | null = null;
  private readonly inFlight = new Set<CommitTarget>();
  // The batch that will take what is queued now, once `running` is done.
  private next: Promise<void> | null = null;

  /**
   * `observe`: told of every batch the store accepted, with its size and how long the
   * `appendBatch` call took (the commit latency every update of the batch waited for). Like the
   * target callbacks it must not throw (metrics): it runs before the batch is handed back.
   */
  constructor(
    private readonly store: DocStore,
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
    private readonly observe: (updates: number, ms: number) => void = () => undefined,
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
        void this.flush();
      });
    }
  }

  /** How many updates of `target` are queued and not yet in flight (a mark for `discardAfter`). */
  queued(target: CommitTarget): number {
    return this.queues.get(target)?.length ?? 0;
  }

  /** Whether `target` has updates queued or in flight, that is accepted but not yet handed back. */
  busy(target: CommitTarget): boolean {
    return this.queues.has(target) || this.inFlight.has(target);
  }

  /** Whether anything at all is queued or in flight. */
  get idle(): boolean {
    return this.queues.size === 0 && this.running === null;
  }

  /**
   * Drops `target`'s queued updates after the first `keep`, unstored: for a transaction that
   * threw half-way, whose 'update' event still fired (Yjs cleans up in a `finally`). Updates
   * already in flight are not touched.
   */
  discardAfter(target: CommitTarget, keep: number): void {
    const queue = this.queues.get(target);
    if (queue === undefined) return;
    queue.length = Math.min(queue.length, keep);
    if (queue.length === 0) this.queues.delete(target);
  }

  /**
   * Resolves once everything queued now has been stored and handed back (or failed): starts a
   * batch now, or right after the one in flight. Called early by anyone about to reveal state.
   */
  flush(): Promise<void> {
    if (this.next !== null) return this.next;
    if (this.running !== null) {
      // Either way: a batch whose callback threw (a bug; they must not) must not stop every
      // later one. Its rejection still reaches whoever awaited that flush.
      const startNext = (): Promise<void> => {
        this.next = null;
        return this.start();
      };
      const next = this.running.then(startNext, startNext);
      this.next = next;
      return next;
    }
    return this.start();
  }

  /** Flushes until nothing is queued or in flight (shutdown). */
  async drain(): Promise<void> {
    while (!this.idle) await this.flush();
  }

  private start(): Promise<void> {
    if (this.queues.size === 0) return Promise.resolve();
    const batch = this.queues;
    this.queues = new Map();
    for (const target of batch.keys()) this.inFlight.add(target);
    const running = this.commit(batch).finally(() => {
      this.inFlight.clear();
      this.running = null;
    });
    this.running = running;
    return running;
  }

  private async commit(batch: Batch): Promise<void> {
    const entries: DocUpdate[] = [];
    for (const [target, queue] of batch)
      for (const queued of queue) entries.push({ docName: target.name, update: queued.update });
    let seqs: number[];
    const started = performance.now();
    try {
      seqs = await this.store.appendBatch(entries);
    } catch {
      // Not stored at all (the call is atomic). Find out which document it was.
      await this.commitEachOnItsOwn(batch);
      return;
    }
    this.observe(entries.length, performance.now() - started);
    let offset = 0;
    for (const [target, queue] of batch) {
      this.inFlight.delete(target);
      target.committed(queue, seqs.slice(offset, offset + queue.length));
      offset += queue.length;
    }
  }

  private async commitEachOnItsOwn(batch: Batch): Promise<void> {
    for (const [target, queue] of batch) {
      let seqs: number[];
      const started = performance.now();
      try {
        seqs = await this.store.appendBatch(
          queue.map((queued) => ({ docName: target.name, update: queued.update })),
        );
        this.observe(queue.length, performance.now() - started);
      } catch (err) {
        this.inFlight.delete(target);
        target.persistFailed(err);
        continue;
      }
      this.inFlight.delete(target);
      target.committed(queue, seqs);
    }
  }
}
