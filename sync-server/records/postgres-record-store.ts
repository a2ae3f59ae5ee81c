import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import type { AuditEntry } from '../../domain/protocol';
import { inPostgresTransaction, openPostgresPool } from '../storage';
import { auditPruneCandidatesSql, auditSearchSql, POSTGRES_AUDIT } from './audit-sql';
import {
  auditArgumentError,
  type AuditPruneResult,
  type AuditRetention,
  type AuditSearch,
} from './audit-trail.port';
import { keptNewest, planPrune, retentionError } from './feed-prune';
import { checkSchemaName, ensureSchema } from './postgres-schema';
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

/*
 * RecordStorePort on PostgreSQL, for the scale-out mode: several sync-server
 * instances share one database, so every guarantee of the port has to hold
 * across processes, not just inside one.
 *
 * Feed seqs: a single-row counter (`feed_head`), locked FOR UPDATE as the first
 * statement of every transaction and bumped with `UPDATE … RETURNING` per put.
 * Why not a SEQUENCE / BIGSERIAL: nextval() is non-transactional, so a rolled-back
 * transaction leaves a gap, and two concurrent writers can commit out of seq order
 * (seq 8 visible before seq 7). A reader that polled changesSince(6), saw 8 and
 * moved its cursor past it would never see 7. The port promises consecutive,
 * commit-ordered seqs (and FeedService skips to highWaterMark on that promise).
 * Why the row lock and not pg_advisory_xact_lock: the lock and the counter are the
 * same row, scoped to this schema's table (an advisory key is database-wide and
 * would need a hash of the schema name), visible in pg_locks as an ordinary row
 * lock, and released by COMMIT/ROLLBACK or a dropped connection like any other.
 * Taking it at BEGIN rather than at the first put is what makes `transact`
 * serial, as the port requires: a read-modify-write (get, then put version+1)
 * never runs concurrently with another one, on this or any other instance.
 * The cost is one writer at a time across the cluster, the same as SQLite's
 * BEGIN IMMEDIATE; transactions here are short and never span network calls.
 *
 * Bodies: `text` holding JSON.stringify output, not `jsonb`. jsonb reorders and
 * de-duplicates object keys and rejects "\u0000" in strings, so a body could
 * come back different from what was written (the memory and SQLite stores return
 * it byte for byte); nothing queries inside bodies, so jsonb's operators buy nothing.
 *
 * Pruning (retention) takes no lock and no transaction: it deletes a prefix of
 * the feed below the head, where no writer ever inserts, and a concurrent prune
 * on another instance deleting the same rows only makes one DELETE count fewer.
 * `written_at` is stamped by the writing instance's clock (retention is days;
 * NTP-level skew between instances does not matter).
 *
 * kind and id are `COLLATE "C"`: snapshot pages are ordered by (kind, id) and the
 * cursor compares against them, which must be byte order as in SQLite, whatever
 * the database's default (often linguistic, e.g. en_US or ICU) collation is.
 */

interface Row {
  [column: string]: unknown;
  kind: RecordKind;
  id: string;
  version: string; // bigint columns arrive as strings
  body: string;
  owner: string | null;
  seq: string;
}

const toRecord = (r: Row): StoredRecord => ({
  kind: r.kind,
  id: r.id,
  version: Number(r.version),
  body: JSON.parse(r.body) as unknown,
  owner: r.owner,
  seq: Number(r.seq),
});

// Cursor = "kind\u0000id" of the last record on the previous page (as in SQLite).
const SEP = '\u0000';
const COLUMNS = 'kind, id, version, body, owner';
const DEFAULT_SCHEMA = 'fleetdesk';

export interface PostgresRecordStoreOptions {
  /** Schema holding the tables; lets several stores (or test runs) share one database. */
  readonly schema?: string;
  /** Clock that stamps feed entries for retention (ms since the epoch); default Date.now. */
  readonly now?: () => number;
}

export interface PostgresOpenOptions extends PostgresRecordStoreOptions {
  /**
   * Errors of idle pooled connections (server restart, network drop) for a pool
   * that `open` created from a connection string. Without a listener they would
   * crash the process; defaults to console.error.
   */
  readonly onError?: (error: Error) => void;
}

interface Sql {
  readonly get: string;
  readonly list: string;
  readonly lock: string;
  readonly put: string;
  readonly hwm: string;
  readonly oldest: string;
  readonly snapshot: string;
  readonly changes: string;
  readonly pruneWindow: string;
  readonly pruneUpTo: string;
  readonly records: string;
  readonly auditPruneCandidates: string;
  readonly auditDelete: string;
}

function sqlFor(schema: string): Sql {
  const s = escapeIdentifier(schema);
  const records = `${s}.records`;
  const feed = `${s}.feed`;
  const head = `${s}.feed_head`;
  const visible = '(owner IS NULL OR $3::text IS NULL OR owner = $3::text)';
  return {
    get: `SELECT ${COLUMNS}, updated_seq AS seq FROM ${records} WHERE kind = $1 AND id = $2`,
    list: `SELECT ${COLUMNS}, updated_seq AS seq FROM ${records} WHERE kind = $1 ORDER BY id`,
    lock: `SELECT seq FROM ${head} WHERE id = 1 FOR UPDATE`,
    // One round trip per put. All parts see the same snapshot (which includes this
    // transaction's earlier puts); `next` yields no row when the version is stale,
    // and then neither insert writes anything and the statement returns no row.
    put: `
      WITH next AS (
        UPDATE ${head} SET seq = seq + 1
        WHERE id = 1 AND NOT EXISTS (
          SELECT 1 FROM ${records} WHERE kind = $1::text AND id = $2::text AND version >= $3::bigint
        )
        RETURNING seq
      ), logged AS (
        INSERT INTO ${feed} (seq, ${COLUMNS}, written_at)
        SELECT seq, $1::text, $2::text, $3::bigint, $4::text, $5::text, $6::bigint FROM next
      ), upserted AS (
        INSERT INTO ${records} (${COLUMNS}, updated_seq)
        SELECT $1::text, $2::text, $3::bigint, $4::text, $5::text, seq FROM next
        ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, body = excluded.body,
          owner = excluded.owner, updated_seq = excluded.updated_seq
      )
      SELECT seq FROM next`,
    // The counter is the committed high-water mark (MVCC: readers never wait on the lock).
    hwm: `SELECT seq FROM ${head} WHERE id = 1`,
    oldest: `SELECT COALESCE(MIN(seq), 0) AS seq FROM ${feed}`,
    snapshot: `
      SELECT ${COLUMNS}, updated_seq AS seq FROM ${records}
      WHERE kind = ANY($1::text[]) AND updated_seq <= $2::bigint AND ${visible}
        AND ($4::text IS NULL OR (kind, id) > ($4::text, $5::text))
      ORDER BY kind, id LIMIT $6`,
    changes: `
      SELECT ${COLUMNS}, seq FROM ${feed}
      WHERE kind = ANY($1::text[]) AND seq > $2::bigint AND ${visible}
      ORDER BY seq LIMIT $4`,
    // $1 = how many of the newest entries stay; the head is the high-water mark.
    pruneWindow: `
      SELECT seq, written_at FROM ${feed}
      WHERE seq <= (SELECT seq FROM ${head} WHERE id = 1) - $1::bigint
      ORDER BY seq LIMIT $2`,
    pruneUpTo: `DELETE FROM ${feed} WHERE seq <= $1::bigint`,
    records,
    auditPruneCandidates: auditPruneCandidatesSql(POSTGRES_AUDIT, records),
    auditDelete: `DELETE FROM ${records} WHERE kind = 'audit' AND id = ANY($1::text[])`,
  };
}

/** RecordStorePort on PostgreSQL (scale-out mode). See the comment at the top for the design. */
export class PostgresRecordStore implements RecordStorePort {
  /**
   * Opens a store on a connection string (the store owns and ends that pool) or on
   * a caller's Pool (the caller ends it), creating the tables idempotently.
   */
  static async open(
    target: string | Pool,
    options: PostgresOpenOptions = {},
  ): Promise<PostgresRecordStore> {
    const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const { pool, owned } = openPostgresPool(target, options.onError);
    try {
      await ensureSchema(pool, schema);
    } catch (error) {
      if (owned) await pool.end();
      throw error;
    }
    const store = new PostgresRecordStore(pool, {
      schema,
      ...(options.now ? { now: options.now } : {}),
    });
    store.#ownsPool = owned;
    return store;
  }

  readonly #pool: Pool;
  readonly #sql: Sql;
  readonly #now: () => number;
  #ownsPool = false;
  // Transactions of this instance queue here before taking a pooled client. The row
  // lock alone would serialize them, but each waiter would hold a connection; if the
  // pool filled with waiters, a running transaction whose callback needs a
  // connection for a plain read (store.get) could never get one: a deadlock.
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;

  /** On an existing pool whose schema `open` already created; the caller ends the pool. */
  constructor(pool: Pool, options: PostgresRecordStoreOptions = {}) {
    this.#pool = pool;
    this.#sql = sqlFor(checkSchemaName(options.schema ?? DEFAULT_SCHEMA));
    this.#now = options.now ?? Date.now;
  }

  transact<T>(fn: (tx: RecordTx) => Promise<T>): Promise<T> {
    return this.transactGuarded(null, fn);
  }

  /**
   * `transact`, with `guard` run first in the same transaction, right after the writer lock:
   * if it rejects, nothing is written and `transactGuarded` rejects with its error. Leases
   * fence the writes of background jobs with it (`sync-server/cluster/lease.ts`).
   */
  transactGuarded<T>(
    guard: ((client: PoolClient) => Promise<void>) | null,
    fn: (tx: RecordTx) => Promise<T>,
  ): Promise<T> {
    if (this.#closing) return Promise.reject(new Error('PostgresRecordStore is closed'));
    const run = this.#queue.then(() => this.#run(guard, fn));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #run<T>(
    guard: ((client: PoolClient) => Promise<void>) | null,
    fn: (tx: RecordTx) => Promise<T>,
  ): Promise<T> {
    return inPostgresTransaction(this.#pool, async (client) => {
      await client.query(this.#sql.lock);
      if (guard) await guard(client);
      let open = true;
      try {
        return await fn(this.#tx(client, () => open));
      } finally {
        // Before COMMIT: after it the client is back in the pool, serving someone else.
        open = false;
      }
    });
  }

  #tx(client: PoolClient, isOpen: () => boolean): RecordTx {
    const check = (): void => {
      // After COMMIT/ROLLBACK the client is back in the pool, serving someone else.
      if (!isOpen()) throw new Error('RecordTx used after its transaction ended');
    };
    return {
      get: async <Body>(kind: RecordKind, id: string) => {
        check();
        const { rows } = await client.query<Row>(this.#sql.get, [kind, id]);
        return rows[0] ? (toRecord(rows[0]) as StoredRecord<Body>) : undefined;
      },
      put: async (kind, id, version, body, owner = null) => {
        check();
        if (!Number.isSafeInteger(version))
          throw new RangeError(`Record version must be an integer, got ${version}`);
        const { rows } = await client.query<{ seq: string }>(this.#sql.put, [
          kind,
          id,
          version,
          JSON.stringify(body),
          owner,
          this.#now(),
        ]);
        return rows[0] ? Number(rows[0].seq) : null;
      },
    };
  }

  async get<Body>(kind: RecordKind, id: string): Promise<StoredRecord<Body> | undefined> {
    const { rows } = await this.#pool.query<Row>(this.#sql.get, [kind, id]);
    return rows[0] ? (toRecord(rows[0]) as StoredRecord<Body>) : undefined;
  }

  async list<Body>(kind: RecordKind): Promise<StoredRecord<Body>[]> {
    const { rows } = await this.#pool.query<Row>(this.#sql.list, [kind]);
    return rows.map((r) => toRecord(r) as StoredRecord<Body>);
  }

  async highWaterMark(): Promise<number> {
    const { rows } = await this.#pool.query<{ seq: string }>(this.#sql.hwm);
    return Number(rows[0]?.seq ?? 0);
  }

  async oldestRetainedSeq(): Promise<number> {
    const { rows } = await this.#pool.query<{ seq: string }>(this.#sql.oldest);
    return Number(rows[0]?.seq ?? 0);
  }

  async snapshotPage(
    filter: RecordFilter,
    upTo: number,
    after: string | null,
    limit: number,
  ): Promise<SnapshotPage> {
    const [afterKind, afterId] = after === null ? [null, null] : splitCursor(after);
    const { rows } = await this.#pool.query<Row>(this.#sql.snapshot, [
      filter.kinds,
      upTo,
      filter.viewer,
      afterKind,
      afterId,
      limit + 1,
    ]);
    const page = rows.slice(0, limit).map(toRecord);
    const last = page.at(-1);
    return {
      records: page,
      nextCursor: rows.length > limit && last ? `${last.kind}${SEP}${last.id}` : null,
    };
  }

  async changesSince(filter: RecordFilter, since: number, limit: number): Promise<StoredRecord[]> {
    const { rows } = await this.#pool.query<Row>(this.#sql.changes, [
      filter.kinds,
      since,
      filter.viewer,
      limit,
    ]);
    return rows.map(toRecord);
  }

  async pruneFeed(retention: FeedRetention): Promise<FeedPruneResult> {
    const invalid = retentionError(retention);
    if (invalid) throw invalid;
    const { rows } = await this.#pool.query<{ seq: string; written_at: string }>(
      this.#sql.pruneWindow,
      [keptNewest(retention), retention.maxEntries + 1],
    );
    const plan = planPrune(
      rows.map((r) => ({ seq: Number(r.seq), writtenAt: Number(r.written_at) })),
      retention,
    );
    const deleted =
      plan.count > 0 ? await this.#pool.query(this.#sql.pruneUpTo, [plan.lastSeq]) : null;
    return {
      pruned: deleted?.rowCount ?? 0,
      oldestRetainedSeq: await this.oldestRetainedSeq(),
      more: plan.more,
    };
  }

  async searchAudit(search: AuditSearch): Promise<AuditEntry[]> {
    const invalid = auditArgumentError(search);
    if (invalid) throw invalid;
    const { sql, params } = auditSearchSql(POSTGRES_AUDIT, this.#sql.records, search);
    const { rows } = await this.#pool.query<{ body: string }>(sql, params);
    return rows.map((r) => JSON.parse(r.body) as AuditEntry);
  }

  /**
   * Takes no writer lock, like pruneFeed: audit lines are written once and never updated, so
   * a delete cannot race a read-modify-write, and two instances deleting the same old lines
   * only make one DELETE count fewer.
   */
  async pruneAudit(retention: AuditRetention): Promise<AuditPruneResult> {
    const invalid = auditArgumentError(retention);
    if (invalid) throw invalid;
    const { rows } = await this.#pool.query<{ id: string }>(this.#sql.auditPruneCandidates, [
      retention.before,
      retention.maxEntries + 1,
    ]);
    const doomed = rows.slice(0, retention.maxEntries).map((r) => r.id);
    const deleted =
      doomed.length > 0 ? await this.#pool.query(this.#sql.auditDelete, [doomed]) : null;
    return { pruned: deleted?.rowCount ?? 0, more: rows.length > retention.maxEntries };
  }

  /** Lets queued transactions finish, then ends the pool if `open` created it. */
  close(): Promise<void> {
    this.#closing ??= this.#queue.then(async () => {
      if (this.#ownsPool) await this.#pool.end();
    });
    return this.#closing;
  }
}

function splitCursor(cursor: string): [string, string] {
  const i = cursor.indexOf(SEP);
  if (i < 0) throw new InvalidCursorError();
  return [cursor.slice(0, i), cursor.slice(i + 1)];
}
