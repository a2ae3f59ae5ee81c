import type Database from 'better-sqlite3';
import type { DocStore, DocUpdate } from './doc-store.port';
import { settled } from '../hub/settled';

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
 * synchronous=FULL survives both at the cost of an fsync per append. Every call does its work
 * synchronously on the calling thread and returns a settled promise.
 */
export class SqliteDocStore implements DocStore {
  private readonly selectAll: Database.Statement<[string], { data: Buffer }>;
  private readonly selectLastSeq: Database.Statement<[string], { seq: number | null }>;
  private readonly insertAt: Database.Statement<[string, number, Buffer]>;
  private readonly deleteUpTo: Database.Statement<[string, number]>;
  private readonly countRows: Database.Statement<[string], { n: number }>;
  private readonly appendTx: (entries: readonly DocUpdate[], seqs: readonly number[]) => void;
  private readonly compactTx: (docName: string, merged: Buffer, uptoSeq: number) => void;
  // Highest seq per document, read from the table once and then kept here: it saves a B-tree
  // lookup per append. Sound because the store is the only one that appends to this table
  // (another appender would make an INSERT hit the primary key and throw, not overwrite). The
  // compaction worker writes too, but only replaces rows <= a seq this store already handed
  // out and keeps the row at that seq, so MAX(seq) never moves. On any failed write the
  // entries are dropped and re-read.
  private readonly lastSeq = new Map<string, number>();
  private closed = false;

  constructor(db: Database.Database) {
    db.exec(YJS_UPDATES_DDL);
    this.selectAll = db.prepare('SELECT data FROM yjs_updates WHERE doc = ? ORDER BY seq');
    // MAX(seq) never decreases because compaction keeps the row at `uptoSeq`, so a seq is
    // never handed out twice.
    this.selectLastSeq = db.prepare('SELECT MAX(seq) AS seq FROM yjs_updates WHERE doc = ?');
    this.insertAt = db.prepare('INSERT INTO yjs_updates (doc, seq, data) VALUES (?, ?, ?)');
    this.deleteUpTo = db.prepare('DELETE FROM yjs_updates WHERE doc = ? AND seq <= ?');
    this.countRows = db.prepare('SELECT COUNT(*) AS n FROM yjs_updates WHERE doc = ?');
    this.appendTx = db.transaction((entries: readonly DocUpdate[], seqs: readonly number[]) => {
      entries.forEach((entry, i) => {
        this.insertAt.run(entry.docName, seqs[i] ?? 0, toBuffer(entry.update));
      });
    });
    this.compactTx = db.transaction((docName: string, merged: Buffer, uptoSeq: number) => {
      this.deleteUpTo.run(docName, uptoSeq);
      this.insertAt.run(docName, uptoSeq, merged);
    });
  }

  load(docName: string): Promise<Uint8Array[]> {
    return settled(() => {
      this.assertOpen();
      return this.selectAll.all(docName).map((row) => new Uint8Array(row.data));
    });
  }

  append(docName: string, update: Uint8Array): Promise<number> {
    return settled(() => {
      const [seq] = this.appendNow([{ docName, update }]);
      if (seq === undefined) throw new Error('appendBatch returned no seq');
      return seq;
    });
  }

  appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    return settled(() => this.appendNow(entries));
  }

  compact(docName: string, merged: Uint8Array, uptoSeq: number): Promise<void> {
    return settled(() => {
      this.assertOpen();
      try {
        this.compactTx(docName, toBuffer(merged), uptoSeq);
      } catch (err) {
        this.lastSeq.delete(docName);
        throw err;
      }
      if ((this.lastSeq.get(docName) ?? 0) < uptoSeq) this.lastSeq.set(docName, uptoSeq);
    });
  }

  count(docName: string): Promise<number> {
    return settled(() => {
      this.assertOpen();
      return this.countRows.get(docName)?.n ?? 0;
    });
  }

  close(): Promise<void> {
    // The database handle belongs to whoever opened it; statements die with it.
    this.closed = true;
    this.lastSeq.clear();
    return Promise.resolve();
  }

  private appendNow(entries: readonly DocUpdate[]): number[] {
    this.assertOpen();
    const next = new Map<string, number>();
    const seqs = entries.map((entry) => {
      const seq = (next.get(entry.docName) ?? this.storedLastSeq(entry.docName)) + 1;
      next.set(entry.docName, seq);
      return seq;
    });
    try {
      // One row needs no explicit transaction: the INSERT is its own (one commit less).
      const [only] = entries;
      if (entries.length === 1 && only !== undefined)
        this.insertAt.run(only.docName, seqs[0] ?? 0, toBuffer(only.update));
      else this.appendTx(entries, seqs);
    } catch (err) {
      for (const docName of next.keys()) this.lastSeq.delete(docName);
      throw err;
    }
    for (const [docName, seq] of next) this.lastSeq.set(docName, seq);
    return seqs;
  }

  private storedLastSeq(docName: string): number {
    let seq = this.lastSeq.get(docName);
    if (seq === undefined) {
      seq = this.selectLastSeq.get(docName)?.seq ?? 0;
      this.lastSeq.set(docName, seq);
    }
    return seq;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SqliteDocStore is closed');
  }
}

// better-sqlite3 binds Buffers as BLOBs (a bare Uint8Array is rejected); this wraps without copying.
const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
