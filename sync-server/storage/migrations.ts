/**
 * Numbered, append-only schema migrations for the server's SQLite file. Never
 * edit a shipped migration: add the next number. Each runs in its own
 * transaction together with the bump of `user_version`.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'authoritative records and change feed',
    sql: `
      -- Current state of every authoritative record (accounts, deliveries, payments, drones, …).
      CREATE TABLE records (
        kind        TEXT    NOT NULL,
        id          TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        body        TEXT    NOT NULL,           -- JSON snapshot of the aggregate
        owner       TEXT,                       -- user the record is private to (command outcomes,
                                                -- which also serve as the idempotency ledger)
        updated_seq INTEGER NOT NULL,           -- feed sequence of the last change
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
      CREATE INDEX records_by_seq ON records (updated_seq);

      -- Every change to a record, in commit order. seq is the resume point for desktops.
      CREATE TABLE feed (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        kind    TEXT    NOT NULL,
        id      TEXT    NOT NULL,
        version INTEGER NOT NULL,
        body    TEXT    NOT NULL,
        owner   TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'sandbox payment gateway ledger',
    sql: `
      -- The sandbox gateway's own memory of idempotency keys, so a retried call
      -- returns its first result across server restarts (as a real gateway does).
      CREATE TABLE sandbox_gateway_calls (
        idempotency_key TEXT PRIMARY KEY,
        request_hash    TEXT NOT NULL,
        response        TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE sandbox_gateway_authorizations (
        authorization_id TEXT PRIMARY KEY,
        token            TEXT NOT NULL,
        amount_minor     INTEGER NOT NULL,
        currency         TEXT NOT NULL,
        status           TEXT NOT NULL          -- 'held' | 'voided' | 'captured'
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'write time of feed entries, for retention',
    sql: `
      -- When each change was written (ms since the epoch): retention keeps at least N days.
      -- ADD COLUMN without a default leaves existing rows untouched (no rewrite of a large
      -- feed); they read as NULL and count as written at the moment of this upgrade
      -- (feed_legacy), so upgrading never makes a desk that was offline re-snapshot early.
      ALTER TABLE feed ADD COLUMN written_at INTEGER;
      CREATE TABLE feed_legacy (
        singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
        written_at INTEGER NOT NULL             -- when migration 3 ran
      );
      INSERT INTO feed_legacy (singleton, written_at) VALUES (1, unixepoch() * 1000);
    `,
  },
  {
    version: 4,
    name: 'indexes of the audit trail',
    sql: `
      -- Audit search (by customer, order, agent, time; newest first) and retention read these
      -- instead of every audit line. Partial: only audit records pay for them. The
      -- expressions must stay exactly those of records/audit-sql.ts (SQLITE_AUDIT).
      CREATE INDEX records_audit_at ON records (json_extract(body, '$.at'), id)
        WHERE kind = 'audit';
      CREATE INDEX records_audit_customer
        ON records (json_extract(body, '$.customerId'), json_extract(body, '$.at'), id)
        WHERE kind = 'audit';
      CREATE INDEX records_audit_order
        ON records (json_extract(body, '$.deliveryId'), json_extract(body, '$.at'), id)
        WHERE kind = 'audit';
      CREATE INDEX records_audit_agent
        ON records (json_extract(body, '$.userId'), json_extract(body, '$.at'), id)
        WHERE kind = 'audit';
    `,
  },
];
