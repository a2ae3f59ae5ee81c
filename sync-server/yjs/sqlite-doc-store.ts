import type Database from 'better-sqlite3';
import type { DocStore } from './doc-store.port';

/**
 * Table the SQLite store keeps its update log in. Exported so the lead's migrations can own
 * it; the store also runs it (idempotently) so tests and fresh databases need no migration.
 * WITHOUT ROWID: rows are looked up and ordered by the primary key only.
 */
export const YJS_UPDATES_DDL = `CREATE TABLE IF NOT EXISTS yjs_updates (
  doc TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (doc, seq)
) WITHOUT ROWID`;

/**
 * `DocStore` on an already-open better-sqlite3 handle. The owner of the handle chooses the
 * journal mode and `synchronous` level, which decide what "durable" means: WAL with
 * synchronous=NORMAL survives a process kill but may lose the last commits on power loss;
 * synchronous=FULL survives both at the cost of an fsync per append.
 */
export class SqliteDocStore implements DocStore {
  private readonly selectAll: Database.Statement<[string], { data: Buffer }>;
  private readonly insert: Database.Statement<[string, string, Buffer], { seq: number }>;
  private readonly deleteUpTo: Database.Statement<[string, number]>;
  private readonly insertAt: Database.Statement<[string, number, Buffer]>;
  private readonly countRows: Database.Statement<[string], { n: number }>;
  private readonly compactTx: (docName: string, merged: Buffer, uptoSeq: number) => void;
  private closed = false;

  constructor(db: Database.Database) {
    db.exec(YJS_UPDATES_DDL);
    this.selectAll = db.prepare('SELECT data FROM yjs_updates WHERE doc = ? ORDER BY seq');
    // MAX(seq) never decreases because compaction keeps the row at `uptoSeq`, so a seq is
    // never handed out twice. Single writer per database, so no race between SELECT and INSERT.
    this.insert = db.prepare(
      `INSERT INTO yjs_updates (doc, seq, data)
       VALUES (?, COALESCE((SELECT MAX(seq) FROM yjs_updates WHERE doc = ?), 0) + 1, ?)
       RETURNING seq`,
    );
    this.deleteUpTo = db.prepare('DELETE FROM yjs_updates WHERE doc = ? AND seq <= ?');
    this.insertAt = db.prepare('INSERT INTO yjs_updates (doc, seq, data) VALUES (?, ?, ?)');
    this.countRows = db.prepare('SELECT COUNT(*) AS n FROM yjs_updates WHERE doc = ?');
    this.compactTx = db.transaction((docName: string, merged: Buffer, uptoSeq: number) => {
      this.deleteUpTo.run(docName, uptoSeq);
      this.insertAt.run(docName, uptoSeq, merged);
    });
  }

  load(docName: string): Uint8Array[] {
    this.assertOpen();
    return this.selectAll.all(docName).map((row) => new Uint8Array(row.data));
  }

  append(docName: string, update: Uint8Array): number {
    this.assertOpen();
    const row = this.insert.get(docName, docName, toBuffer(update));
    if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
    return row.seq;
  }

  compact(docName: string, merged: Uint8Array, uptoSeq: number): void {
    this.assertOpen();
    this.compactTx(docName, toBuffer(merged), uptoSeq);
  }

  count(docName: string): number {
    this.assertOpen();
    return this.countRows.get(docName)?.n ?? 0;
  }

  close(): void {
    // The database handle belongs to whoever opened it; statements die with it.
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SqliteDocStore is closed');
  }
}

// better-sqlite3 binds Buffers as BLOBs (a bare Uint8Array is rejected); this wraps without copying.
const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
