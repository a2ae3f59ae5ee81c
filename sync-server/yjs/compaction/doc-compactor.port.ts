/**
 * Background compaction of a document's stored update log, for stores whose rows another
 * thread can reach (SQLite: `compaction-worker.ts`). Without one, the hub compacts inline
 * through `DocStore.compact` from its loaded document (`MemoryDocStore`, tests).
 *
 * Contract:
 * - `compact(docName, uptoSeq)` replaces the stored rows of `docName` with `seq <= uptoSeq`
 *   by one row at `uptoSeq` that holds their merged state, atomically. It merges stored
 *   rows only (accepted updates), never a live document, so it can run at any time,
 *   also for a document that is no longer loaded.
 * - Rows appended after `uptoSeq`, before or while it runs, are kept untouched. The row at
 *   `uptoSeq` stays, so the highest seq of the document never changes (`DocStore`'s seqs
 *   stay unique).
 * - It resolves `{ compacted: true, replaced, mergedBytes }` once the new row (of `mergedBytes`)
 *   is committed, or
 *   `{ compacted: false }` when there was nothing to do (fewer than two rows) or the rows
 *   changed while it merged (then nothing was written). It rejects when it failed; the log
 *   is then as it was. Callers run at most one job per document at a time.
 * - `running` turns false for good once the compactor stopped or died; jobs it still had
 *   reject, and later ones reject at once.
 */
export type CompactionResult =
  | { readonly compacted: true; readonly replaced: number; readonly mergedBytes: number }
  | { readonly compacted: false };

export interface DocCompactor {
  readonly running: boolean;
  compact(docName: string, uptoSeq: number): Promise<CompactionResult>;
}
