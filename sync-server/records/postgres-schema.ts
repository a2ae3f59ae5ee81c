import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { auditIndexColumns, POSTGRES_AUDIT } from './audit-sql';

/*
 * Tables of PostgresRecordStore, created idempotently by every instance that
 * opens the store (there is no separate migration step in the scale-out mode).
 * A change to a table here must also upgrade a schema created by an earlier
 * build, as addWrittenAt does.
 */

function ddlFor(schema: string): string {
  const s = escapeIdentifier(schema);
  return `
    -- Current state of every authoritative record (mirrors SQLite migration 1).
    CREATE TABLE IF NOT EXISTS ${s}.records (
      kind        text COLLATE "C" NOT NULL,
      id          text COLLATE "C" NOT NULL,
      version     bigint NOT NULL,
      body        text   NOT NULL,        -- JSON snapshot of the aggregate, byte-exact
      owner       text,                   -- user the record is private to; NULL = shared
      updated_seq bigint NOT NULL,        -- feed seq of the last change
      PRIMARY KEY (kind, id)
    );
    CREATE INDEX IF NOT EXISTS records_by_seq ON ${s}.records (updated_seq);
    -- Every change, in commit order; seq is the desktops' resume point (SQLite migrations 1, 3).
    CREATE TABLE IF NOT EXISTS ${s}.feed (
      seq     bigint PRIMARY KEY,
      kind    text   NOT NULL,
      id      text   NOT NULL,
      version bigint NOT NULL,
      body    text   NOT NULL,
      owner   text,
      written_at bigint NOT NULL          -- ms since the epoch, for retention
    );
    -- The feed's last assigned seq; its row lock is the cluster-wide writer lock.
    CREATE TABLE IF NOT EXISTS ${s}.feed_head (
      id  smallint PRIMARY KEY CHECK (id = 1),
      seq bigint   NOT NULL
    );
    INSERT INTO ${s}.feed_head (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
    ${auditIndexes(s)}`;
}

/**
 * The audit trail's indexes (SQLite migration 4 has the same): partial, on the expressions
 * audit-sql.ts queries with. IF NOT EXISTS also upgrades a schema from an earlier build: that
 * first build scans `records` once and, being a plain CREATE INDEX (CONCURRENTLY cannot run
 * in this bootstrap transaction), holds writes to `records` until it ends.
 */
function auditIndexes(s: string): string {
  return Object.entries(auditIndexColumns(POSTGRES_AUDIT))
    .map(
      ([name, columns]) =>
        `CREATE INDEX IF NOT EXISTS records_audit_${name} ON ${s}.records (${columns})
           WHERE kind = 'audit';`,
    )
    .join('\n    ');
}

/** Creates the schema and tables if missing; safe to run concurrently from several instances. */
export async function ensureSchema(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      // CREATE … IF NOT EXISTS is not race-free (two sessions can both decide to
      // create and one fails on a catalog unique index): serialize the bootstrap.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `fleetdesk.records:${schema}`,
      ]);
      // Check first so a role without CREATE on the database can use an existing schema.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
      await client.query(ddlFor(schema));
      await addWrittenAt(client, schema);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}

/**
 * Upgrades a feed table created before retention existed. Its rows count as
 * written now: PostgreSQL 11+ stores a non-volatile default once in the
 * catalog instead of rewriting the table, and dropping the default afterwards
 * keeps that value for the old rows. Checked first because ALTER TABLE takes an
 * ACCESS EXCLUSIVE lock even when the column already exists.
 */
async function addWrittenAt(client: PoolClient, schema: string): Promise<void> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = 'feed' AND column_name = 'written_at'`,
    [schema],
  );
  if (rowCount !== 0) return;
  const feed = `${escapeIdentifier(schema)}.feed`;
  await client.query(
    `ALTER TABLE ${feed} ADD COLUMN written_at bigint NOT NULL
       DEFAULT (extract(epoch FROM now()) * 1000)::bigint`,
  );
  await client.query(`ALTER TABLE ${feed} ALTER COLUMN written_at DROP DEFAULT`);
}

// Kept here for the record store's imports; shared with the Yjs store.
export { checkSchemaName } from '../storage';
