/**
 * Persistence port for Yjs documents: an append-only log of binary Yjs updates (v1 encoding)
 * per document name, numbered by a per-document sequence, plus compaction.
 *
 * Contract (checked for every implementation by `doc-store.contract.ts`):
 * - Every method returns a promise, so a networked store (PostgreSQL) fits behind the port.
 *   The hub awaits `appendBatch` between accepting an update and broadcasting it, so
 *   "resolved" must mean "durable as far as this store can promise" (SQLite: committed;
 *   PostgreSQL: COMMIT acknowledged; memory: held until the process dies). Stores that work
 *   synchronously (SQLite, memory) do the work inside the call and return a settled promise:
 *   a caller may rely on nothing else, but pays no latency beyond one promise hop.
 * - Ordering: `load` resolves to updates in ascending `seq` order. Yjs updates commute, so
 *   order is not needed for correctness, but it keeps replay deterministic and lets a compacted
 *   row (which reuses the highest seq it replaces) sort before later appends.
 * - `seq` is assigned by the store, starts at 1 for a new document and strictly increases
 *   per document, without gaps between appends; it is never reused for a different update,
 *   even after compaction, and also not when several processes append to the same store.
 * - Calls may overlap (the hub keeps one `appendBatch` in flight, but `compact`, `load` and
 *   `count` may run beside it); each call is atomic on its own.
 * - Errors: every method rejects on failure (disk full, closed store, lost connection, ...)
 *   and leaves the stored state as it was before the call. The caller must then treat the
 *   update as not persisted and must not broadcast it. (A networked store cannot always tell
 *   whether a COMMIT whose acknowledgement was lost took effect; it rejects then, and a retry
 *   may store the update twice, which Yjs tolerates: applying an update twice is a no-op.)
 * - Stores copy the bytes they are given; callers may reuse or mutate their buffers once the
 *   call returned (the promise need not have settled).
 */
/** One update for `DocStore.appendBatch`. */
export interface DocUpdate {
  readonly docName: string;
  readonly update: Uint8Array;
}

export interface DocStore {
  /** All stored updates of `docName`, oldest first; `[]` for a document never written. */
  load(docName: string): Promise<Uint8Array[]>;
  /**
   * Appends one update and resolves to the `seq` it was stored under. Durable when it
   * resolves; rejects (and stores nothing) otherwise.
   */
  append(docName: string, update: Uint8Array): Promise<number>;
  /**
   * Appends several updates, possibly of several documents, atomically: all of them or none.
   * Resolves to their seqs in the order given; a document's updates get increasing seqs in
   * that order. Durable when it resolves; rejects (and stores nothing) otherwise. The hub
   * commits everything that arrived in one event-loop turn with one call (group commit).
   */
  appendBatch(entries: readonly DocUpdate[]): Promise<number[]>;
  /**
   * Atomically replaces every row of `docName` with `seq <= uptoSeq` by the single row
   * (`uptoSeq`, `merged`). `merged` must contain the state of all replaced rows (normally
   * `Y.encodeStateAsUpdate(doc)` taken right after the append that returned `uptoSeq`, before
   * anything else was applied to `doc`). Rows appended after `uptoSeq`, also while it runs,
   * are kept. On error nothing changes.
   */
  compact(docName: string, merged: Uint8Array, uptoSeq: number): Promise<void>;
  /** Number of stored rows for `docName` (what compaction keeps small). */
  count(docName: string): Promise<number>;
  /**
   * Releases what the store itself acquired (prepared statements, memory, a connection pool
   * it created). It does not close a database handle or pool it was given; its owner does.
   * Any other method called afterwards rejects.
   */
  close(): Promise<void>;
}
