/**
 * Persistence port for Yjs documents: an append-only log of binary Yjs updates (v1 encoding)
 * per document name, numbered by a per-document sequence, plus compaction.
 *
 * Contract (checked for every implementation by `doc-store.contract.ts`):
 * - Every method is synchronous. The hub calls them on the event loop between receiving an
 *   update and broadcasting it, so "returned" must mean "durable as far as this store can
 *   promise" (SQLite: committed; memory: held until the process dies).
 * - Ordering: `load` returns updates in ascending `seq` order. Yjs updates commute, so order
 *   is not needed for correctness, but it keeps replay deterministic and lets a compacted
 *   row (which reuses the highest seq it replaces) sort before later appends.
 * - `seq` is assigned by the store, starts at 1 for a new document and strictly increases
 *   per document; it is never reused for a different update, even after compaction.
 * - Errors: every method throws on failure (disk full, closed database, ...) and leaves
 *   the stored state as it was before the call (each call is atomic). The caller must then
 *   treat the update as not persisted and must not broadcast it.
 * - Stores copy the bytes they are given; callers may reuse or mutate their buffers afterwards.
 */
/** One update for `DocStore.appendBatch`. */
export interface DocUpdate {
  readonly docName: string;
  readonly update: Uint8Array;
}

export interface DocStore {
  /** All stored updates of `docName`, oldest first; `[]` for a document never written. */
  load(docName: string): Uint8Array[];
  /**
   * Appends one update and returns the `seq` it was stored under. Durable when it returns;
   * throws (and stores nothing) otherwise.
   */
  append(docName: string, update: Uint8Array): number;
  /**
   * Appends several updates, possibly of several documents, atomically: all of them or none.
   * Returns their seqs in the order given; a document's updates get increasing seqs in that
   * order. Durable when it returns; throws (and stores nothing) otherwise. The hub commits
   * everything that arrived in one event-loop turn with one call (group commit).
   */
  appendBatch(entries: readonly DocUpdate[]): number[];
  /**
   * Atomically replaces every row of `docName` with `seq <= uptoSeq` by the single row
   * (`uptoSeq`, `merged`). `merged` must contain the state of all replaced rows (normally
   * `Y.encodeStateAsUpdate(doc)` taken right after the append that returned `uptoSeq`).
   * Rows appended after `uptoSeq` are kept. On error nothing changes.
   */
  compact(docName: string, merged: Uint8Array, uptoSeq: number): void;
  /** Number of stored rows for `docName` (what compaction keeps small). */
  count(docName: string): number;
  /**
   * Releases what the store itself acquired (prepared statements, memory). It does not close
   * a database handle it was given; its owner does. Calling any other method afterwards throws.
   */
  close(): void;
}
