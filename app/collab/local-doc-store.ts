import type { WritableDb } from '../replica';

/** One stored update of a document, in append order. */
export interface StoredUpdate {
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * The local copy of every Yjs document in the profile's SQLite file (table `yjs_local`,
 * replica migration 4): an append-only log of updates per document.
 *
 * Every method is synchronous and runs on the single writer connection, so an update is
 * durable (WAL, synchronous=FULL) by the time `append` returns. Methods throw what
 * better-sqlite3 throws (disk full, database closed); callers decide what that means.
 */
export class LocalDocStore {
  private readonly selectRows;
  private readonly insertRow;
  private readonly countRows;
  private readonly maxSeq;
  private readonly hasUnconfirmedRow;
  private readonly confirmRows;
  private readonly deleteDoc;
  private readonly selectUnconfirmedDocs;

  constructor(private readonly db: WritableDb) {
    this.selectRows = db.prepare<[string], { seq: number; data: Buffer }>(
      'SELECT seq, data FROM yjs_local WHERE doc = ? ORDER BY seq',
    );
    this.insertRow = db.prepare<[string, Uint8Array, number]>(
      'INSERT INTO yjs_local (doc, data, local) VALUES (?, ?, ?)',
    );
    this.countRows = db
      .prepare<[string], number>('SELECT count(*) FROM yjs_local WHERE doc = ?')
      .pluck();
    this.maxSeq = db
      .prepare<[string], number>('SELECT coalesce(max(seq), 0) FROM yjs_local WHERE doc = ?')
      .pluck();
    this.hasUnconfirmedRow = db
      .prepare<[string], number>(
        'SELECT EXISTS (SELECT 1 FROM yjs_local WHERE doc = ? AND local = 1)',
      )
      .pluck();
    this.confirmRows = db.prepare<[string, number]>(
      'UPDATE yjs_local SET local = 0 WHERE doc = ? AND seq <= ? AND local = 1',
    );
    this.deleteDoc = db.prepare<[string]>('DELETE FROM yjs_local WHERE doc = ?');
    this.selectUnconfirmedDocs = db.prepare<[], { doc: string }>(
      'SELECT DISTINCT doc FROM yjs_local WHERE local = 1',
    );
  }

  /** All stored updates of `doc`, oldest first. */
  load(doc: string): StoredUpdate[] {
    return this.selectRows.all(doc).map((row) => ({ seq: row.seq, data: row.data }));
  }

  /**
   * Appends one update; `local` marks an edit made on this desktop that the server has not
   * confirmed yet. Returns the row's sequence number.
   */
  append(doc: string, data: Uint8Array, local: boolean): number {
    return Number(this.insertRow.run(doc, data, local ? 1 : 0).lastInsertRowid);
  }

  count(doc: string): number {
    return this.countRows.get(doc) ?? 0;
  }

  /** Highest sequence number stored for `doc` (0 when none). */
  lastSeq(doc: string): number {
    return this.maxSeq.get(doc) ?? 0;
  }

  /** Whether `doc` holds local edits the server has not confirmed. */
  hasUnconfirmed(doc: string): boolean {
    return this.hasUnconfirmedRow.get(doc) === 1;
  }

  /** The server confirmed everything up to and including `seq`. */
  confirm(doc: string, seq: number): void {
    this.confirmRows.run(doc, seq);
  }

  /**
   * Replaces all rows of `doc` by one row holding `state` (the full document), in one
   * transaction: a crash leaves either the old log or the new row, never neither. The new
   * row is `local` if any replaced row was (so "pending" survives compaction) or if `local`.
   */
  compact(doc: string, state: Uint8Array, local = false): number {
    return this.db.transaction(() => {
      const unconfirmed = local || this.hasUnconfirmed(doc);
      this.deleteDoc.run(doc);
      return this.append(doc, state, unconfirmed);
    })();
  }

  /** Documents holding edits made here that the server has not confirmed (to sync them on start). */
  docsWithUnconfirmedEdits(): string[] {
    return this.selectUnconfirmedDocs.all().map((r) => r.doc);
  }
}
