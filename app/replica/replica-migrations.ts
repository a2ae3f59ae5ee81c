import type Database from 'better-sqlite3-multiple-ciphers';
import { V2_SEARCH_TRIGGERS_SQL } from './replica-migrations.legacy';

/** Numbered, append-only; each has its own test in replica-migrations.test.ts. */
export interface ReplicaMigration {
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}

export const REPLICA_MIGRATIONS: readonly ReplicaMigration[] = [
  {
    version: 1,
    name: 'replicated records and feed position',
    up: (db) => {
      db.exec(`
        -- Authoritative records as the server sent them (body = server JSON snapshot).
        CREATE TABLE records (
          rowid   INTEGER PRIMARY KEY,
          kind    TEXT    NOT NULL,
          id      TEXT    NOT NULL,
          version INTEGER NOT NULL,
          seq     INTEGER NOT NULL,
          body    TEXT    NOT NULL,
          UNIQUE (kind, id)
        );
        CREATE INDEX records_delivery_customer ON records (json_extract(body, '$.customerId'))
          WHERE kind IN ('delivery', 'payment');
        CREATE INDEX records_payment_delivery ON records (json_extract(body, '$.deliveryId'))
          WHERE kind = 'payment';

        -- Where the feed consumer is: snapshot in progress (cursor, upTo) or following (since).
        CREATE TABLE feed_state (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          phase     TEXT    NOT NULL,            -- 'snapshot' | 'live'
          up_to     INTEGER,
          cursor    TEXT,
          since     INTEGER NOT NULL DEFAULT 0,
          received  INTEGER NOT NULL DEFAULT 0,  -- records ingested in this snapshot (progress)
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'full-text search over customers and deliveries',
    up: (db) => {
      // Kept in sync by triggers, inside the same transaction as the record write.
      db.exec(`
        CREATE VIRTUAL TABLE search USING fts5(
          kind UNINDEXED, ref UNINDEXED, title, phone, email, address, tag,
          tokenize = "unicode61 remove_diacritics 2", prefix = '2 3'
        );
        ${V2_SEARCH_TRIGGERS_SQL}
        -- What is searchable per record. Phones are indexed as digits in international
        -- (4930…) and national (030…) form so either way of typing finds them; a
        -- delivery is found by id, parcel tag and its customer's address.
        CREATE VIEW search_source AS
          SELECT r.rowid,
                 json_extract(r.body, '$.name') AS title,
                 replace(json_extract(r.body, '$.phone'), '+', '') || ' 0' || substr(json_extract(r.body, '$.phone'), 4) AS phone,
                 json_extract(r.body, '$.email') AS email,
                 json_extract(r.body, '$.address.line1') || ' ' || json_extract(r.body, '$.address.postcode') || ' ' || json_extract(r.body, '$.address.city') AS address,
                 NULL AS tag
          FROM records r WHERE r.kind = 'account'
          UNION ALL
          SELECT r.rowid,
                 r.id AS title,
                 NULL AS phone,
                 NULL AS email,
                 (SELECT json_extract(a.body, '$.address.line1') || ' ' || json_extract(a.body, '$.address.postcode')
                    FROM records a WHERE a.kind = 'account' AND a.id = json_extract(r.body, '$.customerId')) AS address,
                 json_extract(r.body, '$.parcel.tag') AS tag
          FROM records r WHERE r.kind = 'delivery';
      `);
    },
  },
  {
    version: 3,
    name: 'durable command outbox',
    up: (db) => {
      db.exec(`
        -- Every command an operator issued, from "queued" until the server's final word.
        -- Written together with its optimistic overlay in one transaction.
        CREATE TABLE outbox (
          seq               INTEGER PRIMARY KEY AUTOINCREMENT,  -- issue order
          idempotency_key   TEXT    NOT NULL UNIQUE,
          name              TEXT    NOT NULL,
          command           TEXT    NOT NULL,                   -- the full command envelope (JSON)
          target_kind       TEXT,
          target_id         TEXT,
          overlay           TEXT,                               -- JSON patch shown until the server's truth arrives
          state             TEXT    NOT NULL,                   -- queued | sending | processing | done | rejected | failed
          attempts          INTEGER NOT NULL DEFAULT 0,
          next_attempt_at   INTEGER NOT NULL DEFAULT 0,
          error_code        TEXT,
          error_reason      TEXT,
          resulting_version INTEGER,
          created_at        INTEGER NOT NULL,
          updated_at        INTEGER NOT NULL
        );
        CREATE INDEX outbox_sendable ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_target ON outbox (target_kind, target_id) WHERE overlay IS NOT NULL;
      `);
    },
  },
  {
    version: 4,
    name: 'local yjs documents',
    up: (db) => {
      db.exec(`
        -- Local copy of each collaborative (Yjs) document, owned by app/collab: an
        -- append-only log of updates per document, compacted into one row now and then.
        -- local = 1 while the row holds an edit made on this desktop that the server has
        -- not yet confirmed (drives "pending" in the sync status, across restarts).
        CREATE TABLE yjs_local (
          seq   INTEGER PRIMARY KEY AUTOINCREMENT,
          doc   TEXT    NOT NULL,
          data  BLOB    NOT NULL,
          local INTEGER NOT NULL DEFAULT 0 CHECK (local IN (0, 1))
        );
        CREATE INDEX yjs_local_doc ON yjs_local (doc, seq);
        CREATE INDEX yjs_local_unconfirmed ON yjs_local (doc, seq) WHERE local = 1;
      `);
    },
  },
  {
    version: 5,
    name: 'session, desktop identity and last-known drone fixes',
    up: (db) => {
      db.exec(`
        -- The signed-in operator's permission snapshot (works offline until expires_at).
        CREATE TABLE session (
          singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
          user_id      TEXT    NOT NULL,
          role         TEXT    NOT NULL,
          token        TEXT    NOT NULL,
          expires_at   INTEGER NOT NULL,
          confirmed_at INTEGER NOT NULL
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        -- Last known position per drone, written at most every few seconds from the telemetry stream.
        CREATE TABLE drone_fixes (
          drone_id TEXT PRIMARY KEY,
          lat REAL NOT NULL, lng REAL NOT NULL, heading REAL NOT NULL, speed REAL NOT NULL,
          battery REAL NOT NULL, status TEXT NOT NULL, at INTEGER NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 6,
    name: 'b-tree lookups for phone numbers, ids and parcel tags',
    up: (db) => {
      // Prefix search on phone digits, ids and tags walks a B-tree range instead of
      // merging thousands of FTS terms (every phone number is its own term).
      db.exec(`
        CREATE INDEX records_phone_intl ON records (replace(json_extract(body, '$.phone'), '+', ''))
          WHERE kind = 'account';
        CREATE INDEX records_phone_national ON records ('0' || substr(json_extract(body, '$.phone'), 4))
          WHERE kind = 'account';
        CREATE INDEX records_parcel_tag ON records (upper(json_extract(body, '$.parcel.tag')))
          WHERE kind = 'delivery';
      `);
    },
  },
  {
    version: 7,
    name: 'full-text search moves to its own file',
    up: (db) => {
      // The FTS5 index now lives in an attached file (search-schema.ts) that a
      // builder thread can write while the feed writes records here. Its old copy
      // goes; the new one is built from `records` when the replica next opens.
      db.exec(`
        DROP TRIGGER IF EXISTS records_search_ai;
        DROP TRIGGER IF EXISTS records_search_au;
        DROP TRIGGER IF EXISTS records_search_ai_account;
        DROP TRIGGER IF EXISTS records_search_ai_delivery;
        DROP TRIGGER IF EXISTS records_search_au_account;
        DROP TRIGGER IF EXISTS records_search_au_delivery;
        DROP TRIGGER IF EXISTS records_search_ad;
        DROP VIEW IF EXISTS main.search_source;
        DROP TABLE IF EXISTS main.search;
        -- Counts index writes made by the search triggers; compared with the search
        -- file's own counter on open to detect a commit torn between the two files.
        CREATE TABLE search_sync (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          gen       INTEGER NOT NULL
        );
        INSERT INTO search_sync (singleton, gen) VALUES (1, 0);
      `);
    },
  },
  {
    version: 8,
    name: 'recent trail of drone fixes',
    up: (db) => {
      // The last minutes of each drone's fixes (at the telemetry client's persist rate), so a
      // fleet manager sees where the selected drone came from, offline too. Pruned on write.
      db.exec(`
        CREATE TABLE drone_trail (
          drone_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          lat REAL NOT NULL,
          lng REAL NOT NULL,
          PRIMARY KEY (drone_id, at)
        ) WITHOUT ROWID;
        CREATE INDEX drone_trail_at ON drone_trail (at);
      `);
    },
  },
  {
    version: 9,
    name: 'indexes of the replicated audit trail',
    up: (db) => {
      // A supervisor's audit search and escalation list read an index range, newest first
      // (audit-search.ts), instead of parsing every replicated audit line per keystroke. The
      // expressions must stay exactly those of audit-search.ts. Partial: other kinds pay nothing.
      db.exec(`
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
      `);
    },
  },
];
