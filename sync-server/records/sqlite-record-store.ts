import type { Statement } from 'better-sqlite3';
import type { AuditEntry } from '../../domain/protocol';
import type { ServerDatabase } from '../storage';
import { auditPruneCandidatesSql, auditSearchSql, SQLITE_AUDIT } from './audit-sql';
import {
  auditArgumentError,
  type AuditPruneResult,
  type AuditRetention,
  type AuditSearch,
} from './audit-trail.port';
import { planPrune, pruneCeiling, retentionError, type FeedEntryAge } from './feed-prune';
import type {
  FeedPruneResult,
  FeedRetention,
  RecordFilter,
  RecordKind,
  RecordStorePort,
  RecordTx,
  SnapshotPage,
  StoredRecord,
} from './record-store.port';
import { InvalidCursorError } from './record-store.port';

interface Row {
  kind: RecordKind;
  id: string;
  version: number;
  body: string;
  owner: string | null;
  seq: number;
}

const toRecord = (r: Row): StoredRecord => ({
  kind: r.kind,
  id: r.id,
  version: r.version,
  body: JSON.parse(r.body) as unknown,
  owner: r.owner,
  seq: r.seq,
});

// Cursor = "kind\u0000id" of the last record on the previous page.
const SEP = '\u0000';

export interface SqliteRecordStoreOptions {
  /** Clock that stamps feed entries for retention (ms since the epoch); default Date.now. */
  readonly now?: () => number;
}

/** RecordStorePort on the server's SQLite file (tables from migrations 1 and 3). */
export class SqliteRecordStore implements RecordStorePort {
  // Transactions are serialized: better-sqlite3 has one connection, so a second
  // BEGIN while another async transaction awaits would interleave writes.
  #queue: Promise<unknown> = Promise.resolve();
  readonly #now: () => number;
  private readonly stmts;

  constructor(
    private readonly db: ServerDatabase,
    options: SqliteRecordStoreOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.stmts = {
      get: db.prepare<[string, string], Row>(
        'SELECT kind, id, version, body, owner, updated_seq AS seq FROM records WHERE kind = ? AND id = ?',
      ),
      list: db.prepare<[string], Row>(
        'SELECT kind, id, version, body, owner, updated_seq AS seq FROM records WHERE kind = ? ORDER BY id',
      ),
      insertFeed: db.prepare<[string, string, number, string, string | null, number]>(
        'INSERT INTO feed (kind, id, version, body, owner, written_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      upsert: db.prepare<[string, string, number, string, string | null, number]>(
        `INSERT INTO records (kind, id, version, body, owner, updated_seq) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, body = excluded.body,
           owner = excluded.owner, updated_seq = excluded.updated_seq`,
      ),
      hwm: db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM feed'),
      oldest: db.prepare<[], { seq: number | null }>('SELECT MIN(seq) AS seq FROM feed'),
      // Walks the rowid B-tree from the oldest entry; reads no index, only the window.
      pruneWindow: db.prepare<[number, number], FeedEntryAge>(
        `SELECT seq, COALESCE(written_at, (SELECT written_at FROM feed_legacy)) AS writtenAt
         FROM feed WHERE seq <= ? ORDER BY seq LIMIT ?`,
      ),
      pruneUpTo: db.prepare<[number]>('DELETE FROM feed WHERE seq <= ?'),
      auditPruneCandidates: db.prepare<[number, number], { id: string }>(
        auditPruneCandidatesSql(SQLITE_AUDIT, 'records'),
      ),
      auditDelete: db.prepare<[string]>("DELETE FROM records WHERE kind = 'audit' AND id = ?"),
    };
  }

  /** Runs `fn` after every queued transaction, and before any queued later. */
  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async transact<T>(fn: (tx: RecordTx) => Promise<T>): Promise<T> {
    return this.#serialized(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.tx);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  pruneFeed(retention: FeedRetention): Promise<FeedPruneResult> {
    const invalid = retentionError(retention);
    if (invalid) return Promise.reject(invalid);
    // Synchronous inside: the writer is held for one window (~3 ms per 1000 entries of
    // ~700-byte bodies on a 2-core dev machine), never across an await.
    return this.#serialized(() =>
      Promise.resolve(
        this.db
          .transaction((): FeedPruneResult => {
            const hwm = this.stmts.hwm.get()?.seq ?? 0;
            const window = this.stmts.pruneWindow.all(
              pruneCeiling(hwm, retention),
              retention.maxEntries + 1,
            );
            const plan = planPrune(window, retention);
            if (plan.count > 0) this.stmts.pruneUpTo.run(plan.lastSeq);
            return {
              pruned: plan.count,
              oldestRetainedSeq: this.stmts.oldest.get()?.seq ?? 0,
              more: plan.more,
            };
          })
          .immediate(),
      ),
    );
  }

  searchAudit(search: AuditSearch): Promise<AuditEntry[]> {
    const invalid = auditArgumentError(search);
    if (invalid) return Promise.reject(invalid);
    const { sql, params } = auditSearchSql(SQLITE_AUDIT, 'records', search);
    // One statement per combination of filters (at most 2^6); better-sqlite3 caches none itself.
    const rows = this.#auditStatement(sql).all(...params);
    return Promise.resolve(rows.map((r) => JSON.parse(r.body) as AuditEntry));
  }

  readonly #auditStatements = new Map<string, Statement<unknown[], { body: string }>>();

  #auditStatement(sql: string): Statement<unknown[], { body: string }> {
    let stmt = this.#auditStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[], { body: string }>(sql);
      this.#auditStatements.set(sql, stmt);
    }
    return stmt;
  }

  pruneAudit(retention: AuditRetention): Promise<AuditPruneResult> {
    const invalid = auditArgumentError(retention);
    if (invalid) return Promise.reject(invalid);
    // Like pruneFeed: one synchronous write of at most maxEntries lines, queued with the
    // transactions so it never lands inside one.
    return this.#serialized(() =>
      Promise.resolve(
        this.db
          .transaction((): AuditPruneResult => {
            const ids = this.stmts.auditPruneCandidates.all(
              retention.before,
              retention.maxEntries + 1,
            );
            const doomed = ids.slice(0, retention.maxEntries);
            for (const { id } of doomed) this.stmts.auditDelete.run(id);
            return { pruned: doomed.length, more: ids.length > retention.maxEntries };
          })
          .immediate(),
      ),
    );
  }

  private readonly tx: RecordTx = {
    get: (kind, id) => this.get(kind, id),
    put: (kind, id, version, body, owner = null) => {
      const existing = this.stmts.get.get(kind, id);
      if (existing && existing.version >= version) return Promise.resolve(null);
      const json = JSON.stringify(body);
      const seq = Number(
        this.stmts.insertFeed.run(kind, id, version, json, owner, this.#now()).lastInsertRowid,
      );
      this.stmts.upsert.run(kind, id, version, json, owner, seq);
      return Promise.resolve(seq);
    },
  };

  get<Body>(kind: RecordKind, id: string): Promise<StoredRecord<Body> | undefined> {
    const row = this.stmts.get.get(kind, id);
    return Promise.resolve(row ? (toRecord(row) as StoredRecord<Body>) : undefined);
  }

  list<Body>(kind: RecordKind): Promise<StoredRecord<Body>[]> {
    return Promise.resolve(this.stmts.list.all(kind).map((r) => toRecord(r) as StoredRecord<Body>));
  }

  highWaterMark(): Promise<number> {
    return Promise.resolve(this.stmts.hwm.get()?.seq ?? 0);
  }

  oldestRetainedSeq(): Promise<number> {
    return Promise.resolve(this.stmts.oldest.get()?.seq ?? 0);
  }

  snapshotPage(
    filter: RecordFilter,
    upTo: number,
    after: string | null,
    limit: number,
  ): Promise<SnapshotPage> {
    const [afterKind, afterId] = after === null ? ['', ''] : splitCursor(after);
    const kinds = filter.kinds.map(() => '?').join(',');
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT kind, id, version, body, owner, updated_seq AS seq FROM records
         WHERE kind IN (${kinds}) AND updated_seq <= ?
           AND (owner IS NULL OR ? IS NULL OR owner = ?)
           AND (kind > ? OR (kind = ? AND id > ?))
         ORDER BY kind, id LIMIT ?`,
      )
      .all(
        ...filter.kinds,
        upTo,
        filter.viewer,
        filter.viewer,
        afterKind,
        afterKind,
        afterId,
        limit + 1,
      );
    const page = rows.slice(0, limit).map(toRecord);
    const last = page.at(-1);
    return Promise.resolve({
      records: page,
      nextCursor: rows.length > limit && last ? `${last.kind}${SEP}${last.id}` : null,
    });
  }

  changesSince(filter: RecordFilter, since: number, limit: number): Promise<StoredRecord[]> {
    const kinds = filter.kinds.map(() => '?').join(',');
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT kind, id, version, body, owner, seq FROM feed
         WHERE seq > ? AND kind IN (${kinds}) AND (owner IS NULL OR ? IS NULL OR owner = ?)
         ORDER BY seq LIMIT ?`,
      )
      .all(since, ...filter.kinds, filter.viewer, filter.viewer, limit);
    return Promise.resolve(rows.map(toRecord));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function splitCursor(cursor: string): [string, string] {
  const i = cursor.indexOf(SEP);
  if (i < 0) throw new InvalidCursorError();
  return [cursor.slice(0, i), cursor.slice(i + 1)];
}
