import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { checkSchemaName, inPostgresTransaction, openPostgresPool } from '../../storage';
import type { DocStore, DocUpdate } from './doc-store.port';

/*
 * DocStore on PostgreSQL, for the scale-out mode: several sync-server instances share one
 * database, so the port's promises (atomic calls, gap-free increasing seqs per document) have
 * to hold across processes.
 *
 * Seqs: a per-document counter row (`yjs_heads`), bumped by the append's own transaction with
 * one upsert (`INSERT … ON CONFLICT DO UPDATE SET seq = seq + n RETURNING seq`). The upsert
 * takes that row's lock and holds it to COMMIT, so appenders to one document, on this or any
 * other instance, queue on it and get consecutive seqs in commit order; appenders to other
 * documents do not wait. A batch locks its documents in name order, so two batches over the
 * same documents cannot deadlock. Why not a SEQUENCE: nextval() is not transactional (a
 * rolled-back batch leaves a gap) and is shared by all documents; why not MAX(seq)+1: two
 * transactions would read the same MAX. The counter also survives compaction, which deletes rows.
 *
 * Compaction deletes the rows <= uptoSeq and inserts the merged one at uptoSeq in one
 * transaction. It takes no counter lock: appends only insert above the head, which is >= uptoSeq.
 *
 * Fenced documents (`guardDoc`): an append touching one runs its guard first, in the append's own
 * transaction, so a leased job's write (the region-status publisher's) commits only while its
 * lease is held; a refused guard rejects the whole call and stores nothing.
 *
 * `doc` is COLLATE "C" (byte order, whatever the database's default collation), rows are
 * `bytea`. Statements are plain parameterized queries; every write call is one transaction on
 * one pooled client, so each call is atomic.
 */

const DEFAULT_SCHEMA = 'fleetdesk';

interface Sql {
  readonly load: string;
  readonly bump: string;
  readonly insert: string;
  readonly raiseHead: string;
  readonly deleteUpTo: string;
  readonly insertOne: string;
  readonly count: string;
}

function sqlFor(schema: string): Sql {
  const s = escapeIdentifier(schema);
  const updates = `${s}.yjs_updates`;
  const heads = `${s}.yjs_heads`;
  return {
    load: `SELECT data FROM ${updates} WHERE doc = $1 ORDER BY seq`,
    // $1: document names (sorted, distinct), $2: how many rows each one gets. Returns the new head.
    bump: `
      INSERT INTO ${heads} AS h (doc, seq)
      SELECT doc, n FROM unnest($1::text[], $2::bigint[]) AS t(doc, n) ORDER BY doc
      ON CONFLICT (doc) DO UPDATE SET seq = h.seq + excluded.seq
      RETURNING doc, seq`,
    insert: `
      INSERT INTO ${updates} (doc, seq, data)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])`,
    raiseHead: `
      INSERT INTO ${heads} AS h (doc, seq) VALUES ($1, $2)
      ON CONFLICT (doc) DO UPDATE SET seq = GREATEST(h.seq, excluded.seq)`,
    deleteUpTo: `DELETE FROM ${updates} WHERE doc = $1 AND seq <= $2`,
    insertOne: `INSERT INTO ${updates} (doc, seq, data) VALUES ($1, $2, $3)`,
    count: `SELECT count(*) AS n FROM ${updates} WHERE doc = $1`,
  };
}

function ddlFor(schema: string): string {
  const s = escapeIdentifier(schema);
  return `
    CREATE TABLE IF NOT EXISTS ${s}.yjs_updates (
      doc  text COLLATE "C" NOT NULL,
      seq  bigint NOT NULL,
      data bytea  NOT NULL,
      PRIMARY KEY (doc, seq)
    );
    -- Last seq handed out per document; its row lock serializes that document's appenders.
    CREATE TABLE IF NOT EXISTS ${s}.yjs_heads (
      doc text COLLATE "C" PRIMARY KEY,
      seq bigint NOT NULL
    );`;
}

export interface PostgresDocStoreOptions {
  /** Schema holding the tables; lets several stores (or test runs) share one database. */
  readonly schema?: string;
  /**
   * Errors of idle pooled connections for a pool `open` created from a connection string.
   * Without a listener they would crash the process; defaults to console.error.
   */
  readonly onError?: (error: Error) => void;
}

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** `DocStore` on PostgreSQL (scale-out mode). See the comment at the top for the design. */
export class PostgresDocStore implements DocStore {
  /**
   * Opens a store on a connection string (the store owns and ends that pool) or on a caller's
   * Pool (the caller ends it), creating the schema and tables idempotently.
   */
  static async open(
    target: string | Pool,
    options: PostgresDocStoreOptions = {},
  ): Promise<PostgresDocStore> {
    const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const { pool, owned } = openPostgresPool(target, options.onError);
    const store = new PostgresDocStore(pool, schema, owned);
    try {
      await inPostgresTransaction(pool, async (client) => {
        // CREATE … IF NOT EXISTS is not race-free between sessions: serialize the bootstrap.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `fleetdesk.yjs:${schema}`,
        ]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
        await client.query(ddlFor(schema));
      });
    } catch (error) {
      if (owned) await pool.end();
      throw error;
    }
    return store;
  }

  readonly #pool: Pool;
  readonly #sql: Sql;
  readonly #ownsPool: boolean;
  readonly #guards = new Map<string, (client: PoolClient) => Promise<void>>();
  #closed = false;
  #closing: Promise<void> | null = null;
  // Calls under way, so that close() ends the pool only after them.
  readonly #running = new Set<Promise<unknown>>();

  private constructor(pool: Pool, schema: string, ownsPool: boolean) {
    this.#pool = pool;
    this.#sql = sqlFor(schema);
    this.#ownsPool = ownsPool;
  }

  load(docName: string): Promise<Uint8Array[]> {
    return this.#track(async () => {
      const { rows } = await this.#pool.query<{ data: Buffer }>(this.#sql.load, [docName]);
      return rows.map((row) => new Uint8Array(row.data));
    });
  }

  /**
   * Until the returned function is called, every append to `docName` first awaits
   * `guard(client)` inside its transaction; if that rejects, the call rejects with its error and
   * nothing of the batch is stored (the hub's group commit then retries the other documents on
   * their own). Leased jobs fence their Yjs writes with it (`HeldLease.fence`).
   */
  guardDoc(docName: string, guard: (client: PoolClient) => Promise<void>): () => void {
    if (this.#guards.has(docName)) throw new Error(`${docName} is already guarded`);
    this.#guards.set(docName, guard);
    return () => {
      if (this.#guards.get(docName) === guard) this.#guards.delete(docName);
    };
  }

  async append(docName: string, update: Uint8Array): Promise<number> {
    const [seq] = await this.appendBatch([{ docName, update }]);
    if (seq === undefined) throw new Error('appendBatch returned no seq');
    return seq;
  }

  appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    if (entries.length === 0) return this.#track(() => Promise.resolve([]));
    // Copied now: the caller may reuse its buffers as soon as this returns.
    const data = entries.map((entry) => Buffer.from(toBuffer(entry.update)));
    const counts = new Map<string, number>();
    for (const { docName } of entries) counts.set(docName, (counts.get(docName) ?? 0) + 1);
    const docs = [...counts.keys()].sort();
    // Taken now: the guard (and lease token) in force when the write was made is the one checked.
    const guards = docs.flatMap((doc) => this.#guards.get(doc) ?? []);
    return this.#track(() =>
      inPostgresTransaction(this.#pool, async (client) => {
        for (const guard of guards) await guard(client);
        const { rows } = await client.query<{ doc: string; seq: string }>(this.#sql.bump, [
          docs,
          docs.map((doc) => counts.get(doc) ?? 0),
        ]);
        // The head is the last seq of this batch's rows for that document; hand out upwards.
        const next = new Map<string, number>();
        for (const row of rows) {
          next.set(row.doc, Number(row.seq) - (counts.get(row.doc) ?? 0) + 1);
        }
        const seqs = entries.map((entry) => {
          const seq = next.get(entry.docName);
          if (seq === undefined) throw new Error(`no head returned for ${entry.docName}`);
          next.set(entry.docName, seq + 1);
          return seq;
        });
        await client.query(this.#sql.insert, [entries.map((e) => e.docName), seqs, data]);
        return seqs;
      }),
    );
  }

  compact(docName: string, merged: Uint8Array, uptoSeq: number): Promise<void> {
    const data = Buffer.from(toBuffer(merged));
    return this.#track(() =>
      inPostgresTransaction(this.#pool, async (client) => {
        await client.query(this.#sql.deleteUpTo, [docName, uptoSeq]);
        await client.query(this.#sql.insertOne, [docName, uptoSeq, data]);
        // Only matters for a row at a seq never handed out (the contract allows it).
        await client.query(this.#sql.raiseHead, [docName, uptoSeq]);
      }),
    );
  }

  count(docName: string): Promise<number> {
    return this.#track(async () => {
      const { rows } = await this.#pool.query<{ n: string }>(this.#sql.count, [docName]);
      return Number(rows[0]?.n ?? 0);
    });
  }

  /** Lets calls under way finish, then ends the pool if `open` created it. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= Promise.allSettled([...this.#running]).then(async () => {
      if (this.#ownsPool) await this.#pool.end();
    });
    return this.#closing;
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('PostgresDocStore is closed'));
    const running = work();
    this.#running.add(running);
    void running
      .finally(() => {
        this.#running.delete(running);
      })
      .catch(() => undefined);
    return running;
  }
}
