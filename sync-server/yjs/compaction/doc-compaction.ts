import type { Logger } from 'pino';
import type { BackgroundOutcome, CompactionScheduler } from './compaction-scheduler';
import type { DocStore } from '../store/doc-store.port';
import type { QueuedUpdate } from '../hub/group-commit';
import type { YjsMetrics } from '../hub/yjs-metrics';

/** What compaction needs from the hub (a subset of `HubDocDeps`). */
export interface DocCompactionDeps {
  readonly store: DocStore;
  readonly log: Logger;
  readonly metrics: YjsMetrics;
  readonly compactAfter: number;
  readonly inlineCompactMaxBytes: number;
  readonly compactions?: CompactionScheduler;
}

/** What compaction needs from its document. */
export interface CompactionSource {
  /**
   * Whether other instances append to the same store (cross-instance fan-out). Then the loaded
   * doc is not known to hold every row up to the last seq this instance stored: another
   * instance's row with a lower seq may still be on its way to this doc (or lost in a bus
   * outage), and a merged row without it would delete it for good. So `snapshot` is always null
   * and every inline compaction goes through `quiesce`, which first applies the stored rows to
   * the doc. The merged row then also holds rows with higher seqs that it does not replace (and
   * remote updates received before they were read): state stored twice, in a lower seq. Yjs
   * ignores what it already has, so a load or a later compaction yields the same doc; the cost
   * is bytes, until the next compaction replaces both.
   */
  readonly shared: boolean;
  /**
   * `Y.encodeStateAsUpdate` of the loaded doc, taken now, or `null` when its state is not
   * exactly the stored rows: it may hold part of a rejected update (suspect), or updates were
   * accepted behind the batch just stored and are not stored yet, or it is gone, or `shared`.
   */
  snapshot(): Uint8Array | null;
  /** Whether the doc may hold part of a rejected update (background jobs may still start). */
  suspect(): boolean;
  /**
   * Keeps updates out of the doc (an exclusive section) until nothing of it is queued or in
   * flight (and, if `shared`, until it has applied every stored row), then calls `take` with
   * the snapshot, synchronously, in that same moment (not at all if the doc became suspect or
   * gone). For a doc whose commits always had something behind, and for every `shared` one.
   */
  quiesce(take: (snapshot: Uint8Array) => void): Promise<void>;
}

const totalBytes = (rows: readonly Uint8Array[]): number =>
  rows.reduce((sum, row) => sum + row.length, 0);

/**
 * When and how one loaded document's log is compacted: counts its stored rows and bytes and,
 * past the threshold, compacts inline (encode the loaded doc, `store.compact`) or posts a job
 * to the background compactor. Never fails an update: failures are logged and retried later.
 */
export class DocCompaction {
  private storedRows: number;
  // Bytes of the stored rows, an upper bound on what encoding the doc would produce (deleted
  // content and merged runs shrink it). Decides inline or background compaction.
  private storedBytes: number;
  // Bytes appended since the background job in flight started: what its merged row leaves out.
  private bytesSinceJob = 0;
  private compactAt: number;
  private inlineRunning = false;
  private stopped = false;
  // Highest seq stored through this doc: what a snapshot taken while nothing is queued holds.
  private lastSeq = 0;

  constructor(
    private readonly name: string,
    rows: readonly Uint8Array[],
    private readonly deps: DocCompactionDeps,
    private readonly source: CompactionSource,
  ) {
    this.storedRows = rows.length;
    this.storedBytes = totalBytes(rows);
    this.compactAt = deps.compactAfter;
  }

  /** Whether an inline `store.compact` is still under way. */
  get running(): boolean {
    return this.inlineRunning;
  }

  /** A batch of the doc's updates was stored with these seqs (called from `committed`). */
  stored(updates: readonly QueuedUpdate[], seqs: readonly number[]): void {
    this.storedRows += updates.length;
    for (const { update } of updates) {
      this.storedBytes += update.length;
      this.bytesSinceJob += update.length;
    }
    const last = seqs[seqs.length - 1];
    if (last === undefined) return;
    this.lastSeq = last;
    if (this.storedRows > this.compactAt) this.compact(last);
  }

  /** The doc was rebuilt from these rows. */
  reloaded(rows: readonly Uint8Array[]): void {
    this.storedRows = rows.length;
    this.storedBytes = totalBytes(rows);
  }

  /** The doc is unloaded: no new compaction starts, outcomes of running ones are ignored. */
  stop(): void {
    this.stopped = true;
  }

  private compact(uptoSeq: number): void {
    if (this.stopped || this.inlineRunning) return;
    const { compactions } = this.deps;
    if (compactions?.busy(this.name) === true) return; // the next job takes these rows too
    const suspect = this.source.suspect();
    // Small documents: encoding the loaded doc costs less than a tenth of a replay on the
    // worker, and a pause of a millisecond or two. On 2 cores the worker's CPU is taken from
    // the event loop and the clients anyway, so it pays only where the pause would be long.
    if (this.storedBytes <= this.deps.inlineCompactMaxBytes && !suspect) {
      this.compactInline(uptoSeq);
      return;
    }
    // A background job merges stored rows only, so it may start even while the doc is suspect.
    this.bytesSinceJob = 0;
    if (compactions?.start(this.name, uptoSeq, this.backgroundDone) === true) return;
    if (!suspect) this.compactInline(uptoSeq);
  }

  private readonly backgroundDone = (outcome: BackgroundOutcome, mergedBytes = 0): void => {
    if (this.stopped || outcome === 'unavailable') return; // next commit compacts inline
    if (outcome === 'failed') {
      // Retry later, not on every append.
      this.compactAt = this.storedRows + this.deps.compactAfter;
      return;
    }
    // Rows were appended meanwhile, and a rebuild may have reloaded the doc: count them.
    if (outcome === 'compacted') this.storedBytes = mergedBytes + this.bytesSinceJob;
    void this.deps.store.count(this.name).then(
      (rows) => {
        this.storedRows = rows;
        this.compactAt = this.deps.compactAfter;
      },
      (err: unknown) => {
        this.deps.log.warn({ err, doc: this.name }, 'yjs: could not count rows after compaction');
      },
    );
  };

  /**
   * Runs right after the batch that returned `uptoSeq` was stored. The doc's state is exactly
   * rows 1..uptoSeq (plus pending structs, which encodeStateAsUpdate includes) only if nothing
   * of it was accepted meanwhile: updates queued while the batch was in flight are in the doc
   * but not stored, and a merged row holding them would store them outside the commit (a later
   * failure would no longer keep them from the store). So the snapshot is taken only when the
   * doc has nothing queued (with SQLite it never has here: a flush completes within one turn),
   * and a later commit tries again otherwise. A doc written so steadily that its commits keep
   * having something behind them is quiesced once it is `compactAfter` rows past its threshold:
   * updates wait (milliseconds: one or two batches) while the queue drains, and the snapshot is
   * taken with the seq of the last stored row. Either way the snapshot is taken synchronously
   * at a moment the doc equals the stored rows; rows appended while `store.compact` runs have
   * higher seqs and are kept.
   */
  private compactInline(uptoSeq: number): void {
    const started = performance.now();
    let merged: Uint8Array | null;
    try {
      merged = this.source.snapshot();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (merged !== null) {
      this.write(merged, uptoSeq, started);
      return;
    }
    if (this.source.suspect()) return;
    if (!this.source.shared && this.storedRows <= this.compactAt + this.deps.compactAfter) return;
    this.inlineRunning = true;
    let writing = false;
    this.source
      .quiesce((snapshot) => {
        writing = true;
        this.write(snapshot, this.lastSeq, performance.now());
      })
      .catch((err: unknown) => {
        this.failed(err);
      })
      .finally(() => {
        if (!writing) this.inlineRunning = false;
      });
  }

  /** `store.compact(merged, uptoSeq)`, awaited in the background; `merged` was just taken. */
  private write(merged: Uint8Array, uptoSeq: number, started: number): void {
    const mergedBytes = merged.length;
    const rowsBefore = this.storedRows;
    const bytesBefore = this.storedBytes;
    this.inlineRunning = true;
    const compacting = this.deps.store.compact(this.name, merged, uptoSeq);
    // What the event loop paid: the encoding, and the store's synchronous part (SQLite: all).
    const pauseMs = performance.now() - started;
    void compacting
      .then(
        () => {
          // Rows committed while it ran are kept; a rebuild meanwhile only skews the count,
          // which decides when the next compaction runs.
          this.storedRows = 1 + Math.max(0, this.storedRows - rowsBefore);
          this.storedBytes = mergedBytes + Math.max(0, this.storedBytes - bytesBefore);
          this.compactAt = this.deps.compactAfter;
          this.deps.metrics.compacted('inline', pauseMs);
        },
        (err: unknown) => {
          this.failed(err);
        },
      )
      .finally(() => {
        this.inlineRunning = false;
      });
  }

  // Compaction is an optimisation; the log is intact. Retry later, not on every append.
  private failed(err: unknown): void {
    this.compactAt = this.storedRows + this.deps.compactAfter;
    this.deps.log.warn({ err, doc: this.name }, 'yjs compaction failed');
  }
}
