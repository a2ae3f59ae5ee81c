import { createHash } from 'node:crypto';
import { escapeIdentifier, type Pool, type PoolClient, type QueryConfig } from 'pg';
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
import { GroupQueue, type GroupMember } from './postgres-group-commit';
import { PostgresWriteBuffer } from './postgres-write-buffer';
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
 * statement of every transaction. Under that lock nobody else can write, so the
 * transaction numbers its puts itself (head + 1, + 2, …), keeps them in memory
 * (postgres-write-buffer.ts: later gets in the same transaction see them) and sends
 * them all, with the moved head, in one statement just before COMMIT.
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
 * What keeps them short (issue 11): inside the lock a transaction makes one round trip
 * per record it reads (each record once; `prefetch` reads many in one), one for all its
 * writes and the COMMIT; the statements are prepared once per connection. And the
 * transactions waiting on one instance share one lock hold and one COMMIT (group
 * commit, postgres-group-commit.ts): the commit's WAL flush is paid once per group.
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

/**
 * A named (server-side prepared) statement: PostgreSQL parses and plans it once per
 * connection instead of on every call. Named by a hash of the text, so the statements of
 * stores on different schemas that share a pool never collide.
 */
const preparedNames = new Map<string, string>();
function prepared(text: string): QueryConfig {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `fd_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return { name, text };
}

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
  readonly getMany: string;
  readonly flush: string;
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
    // Several records in one round trip ($1 kinds and $2 ids, pairwise).
    getMany: `
      SELECT ${COLUMNS}, updated_seq AS seq FROM ${records}
      WHERE (kind, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    // Every put of a transaction in one statement, just before COMMIT (postgres-write-buffer.ts).
    // The feed gets every entry; records only the newest version of each (kind, id): one
    // INSERT … ON CONFLICT may not update the same row twice. Then the head moves once.
    flush: `
      WITH entry AS (
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[],
          $6::text[], $7::bigint[]) AS e(seq, kind, id, version, body, owner, written_at)
      ), logged AS (
        INSERT INTO ${feed} (seq, ${COLUMNS}, written_at)
        SELECT seq, ${COLUMNS}, written_at FROM entry
      ), upserted AS (
        INSERT INTO ${records} (${COLUMNS}, updated_seq)
        SELECT DISTINCT ON (kind, id) ${COLUMNS}, seq FROM entry ORDER BY kind, id, seq DESC
        ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, body = excluded.body,
          owner = excluded.owner, updated_seq = excluded.updated_seq
      )
      UPDATE ${head} SET seq = $8::bigint WHERE id = 1`,
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
  // Waiting ones commit together (postgres-group-commit.ts).
  readonly #queue = new GroupQueue((group) => this.#runGroup(group));
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
    return this.#queue.add(guard, fn);
  }

  /** Runs a group in one PostgreSQL transaction and settles every member (never rejects). */
  async #runGroup(group: readonly GroupMember[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await inPostgresTransaction(this.#pool, async (client) => {
        const locked = await client.query<{ seq: string }>(prepared(this.#sql.lock));
        // A guarded member is always alone in its group (GroupQueue).
        const guard = group.length === 1 ? group[0]?.guard : null;
        if (guard) await guard(client);
        const writes = new PostgresWriteBuffer(Number(locked.rows[0]?.seq ?? 0));
        const statements = { failed: false };
        for (const member of group) {
          const mark = writes.mark();
          let open = true;
          try {
            const value = await member.fn(this.#tx(client, writes, () => open, statements));
            outcomes.push({ ok: true, value });
          } catch (error) {
            writes.restore(mark);
            outcomes.push({ ok: false, error });
            // After a failed statement PostgreSQL refuses every further one in this
            // transaction: the members after it cannot run, those before it cannot commit.
            if (statements.failed) throw error;
          } finally {
            // Before COMMIT: after it the client is back in the pool, serving someone else.
            open = false;
          }
        }
        // Nothing to commit: roll back, as a lone transaction that threw always did.
        if (!outcomes.some((o) => o.ok)) throw NOTHING_TO_COMMIT;
        await this.#flush(client, writes);
      });
    } catch (error) {
      // Nothing committed. A member that failed on its own gets its own error, every other
      // (succeeded but not committed, or not run) the group's.
      group.forEach((member, i) => {
        const own = outcomes[i];
        member.reject(own && !own.ok ? own.error : error);
      });
      return;
    }
    group.forEach((member, i) => {
      const own = outcomes[i];
      if (own?.ok) member.resolve(own.value);
      else member.reject(own?.error);
    });
  }

  /** Sends the buffered puts, still under the writer lock; COMMIT follows. */
  async #flush(client: PoolClient, writes: PostgresWriteBuffer): Promise<void> {
    const entries = writes.pending;
    if (entries.length === 0) return;
    await client.query(prepared(this.#sql.flush), [
      entries.map((e) => e.seq),
      entries.map((e) => e.kind),
      entries.map((e) => e.id),
      entries.map((e) => e.version),
      entries.map((e) => e.body),
      entries.map((e) => e.owner),
      entries.map((e) => e.writtenAt),
      writes.head,
    ]);
  }

  #tx(
    client: PoolClient,
    writes: PostgresWriteBuffer,
    isOpen: () => boolean,
    statements: { failed: boolean },
  ): RecordTx {
    const check = (): void => {
      // After COMMIT/ROLLBACK the client is back in the pool, serving someone else.
      if (!isOpen()) throw new Error('RecordTx used after its transaction ended');
    };
    const read = async (text: string, values: unknown[]): Promise<Row[]> => {
      try {
        return (await client.query<Row>(prepared(text), values)).rows;
      } catch (error) {
        statements.failed = true;
        throw error;
      }
    };
    const known = (row: Row) => ({
      version: Number(row.version),
      body: row.body,
      owner: row.owner,
      seq: Number(row.seq),
    });
    // One stored read per record and transaction; later reads and puts use what it returned.
    const learn = async (kind: RecordKind, id: string): Promise<void> => {
      if (writes.has(kind, id)) return;
      checkText(kind, id, 'id');
      const rows = await read(this.#sql.get, [kind, id]);
      writes.remember(kind, id, rows[0] ? known(rows[0]) : undefined);
    };
    return {
      prefetch: async (keys) => {
        check();
        const unseen = keys.filter((k) => !writes.has(k.kind, k.id));
        if (unseen.length === 0) return;
        for (const k of unseen) checkText(k.kind, k.id, 'id');
        const rows = await read(this.#sql.getMany, [
          unseen.map((k) => k.kind),
          unseen.map((k) => k.id),
        ]);
        for (const row of rows) writes.remember(row.kind, row.id, known(row));
        // What the database did not return is absent (remember ignores what a put wrote meanwhile).
        for (const k of unseen) writes.remember(k.kind, k.id, undefined);
      },
      get: async <Body>(kind: RecordKind, id: string) => {
        check();
        await learn(kind, id);
        return writes.read<Body>(kind, id);
      },
      put: async (kind, id, version, body, owner = null) => {
        check();
        if (!Number.isSafeInteger(version))
          throw new RangeError(`Record version must be an integer, got ${version}`);
        const text = JSON.stringify(body) as string | undefined;
        if (text === undefined)
          throw new TypeError(`Record body of ${kind}/${id} is not JSON (got ${typeof body})`);
        if (owner !== null) checkText(kind, owner, 'owner');
        await learn(kind, id);
        check(); // the transaction may have ended while the read was in flight
        return writes.put(kind, id, version, text, owner, this.#now());
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
    this.#closing ??= this.#queue.drained().then(async () => {
      if (this.#ownsPool) await this.#pool.end();
    });
    return this.#closing;
  }
}

/**
 * PostgreSQL text cannot hold NUL. Refused here, before any statement: a failed statement
 * would abort the whole transaction, and with it the other members of its commit group.
 */
function checkText(kind: string, value: string, what: 'id' | 'owner'): void {
  if (kind.includes('\u0000') || value.includes('\u0000'))
    throw new RangeError(`A record ${what} cannot contain the NUL character (${kind})`);
}

/** Rejection that rolls back a group whose every member failed (each gets its own error). */
const NOTHING_TO_COMMIT = new Error('every member of the commit group failed');

function splitCursor(cursor: string): [string, string] {
  const i = cursor.indexOf(SEP);
  if (i < 0) throw new InvalidCursorError();
  return [cursor.slice(0, i), cursor.slice(i + 1)];
}
