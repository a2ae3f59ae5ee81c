/**
 * SQL of the replica's search index, shared by the core's connection and the
 * search builder thread (plain strings, so they cross the thread boundary).
 *
 * The FTS5 index lives in its own SQLite file, attached to every replica
 * connection as schema `fts`. Why a second file: SQLite allows one writer per
 * file, and building FTS5 is most of an initial sync's cost; in its own file the
 * builder thread indexes what the feed has committed while the feed goes on
 * writing records on the core thread, on the other CPU core. The index is
 * derived data: it can always be rebuilt from `records`, and is whenever it is
 * missing, of an older format, or may have missed a write (see search-index.ts).
 */

/** Schema name of the attached search file on every replica connection. */
export const SEARCH_SCHEMA = 'fts';

/** The search file next to a replica file (`replica.sqlite` → `replica.search.sqlite`). */
export function searchIndexPathFor(replicaPath: string): string {
  return replicaPath.endsWith('.sqlite')
    ? `${replicaPath.slice(0, -'.sqlite'.length)}.search.sqlite`
    : `${replicaPath}.search.sqlite`;
}

/** Bump when the index's shape changes: an index of another format is rebuilt. */
export const SEARCH_FORMAT = 1;

// What is searchable per record, as SQL over a `records` row aliased `r`. Phones are
// indexed as digits in international (4930…) and national (030…) form so either way
// of typing finds them; a delivery is found by id, parcel tag and its customer's
// address. Written out per kind: a view over UNION ALL defeats rowid lookups.
const ACCOUNT_FIELDS = (r: string): string => `
  json_extract(${r}.body, '$.name'),
  replace(json_extract(${r}.body, '$.phone'), '+', '') || ' 0' || substr(json_extract(${r}.body, '$.phone'), 4),
  json_extract(${r}.body, '$.email'),
  json_extract(${r}.body, '$.address.line1') || ' ' || json_extract(${r}.body, '$.address.postcode') || ' ' || json_extract(${r}.body, '$.address.city'),
  NULL`;
const DELIVERY_FIELDS = (r: string): string => `
  ${r}.id, NULL, NULL,
  (SELECT json_extract(a.body, '$.address.line1') || ' ' || json_extract(a.body, '$.address.postcode')
     FROM main.records a WHERE a.kind = 'account' AND a.id = json_extract(${r}.body, '$.customerId')),
  json_extract(${r}.body, '$.parcel.tag')`;
const COLUMNS = 'rowid, kind, ref, title, phone, email, address, tag';

/** The FTS5 table (in the search file); bm25 weights in replica-search.ts follow this column order. */
export const SEARCH_TABLE_SQL = `
  CREATE VIRTUAL TABLE IF NOT EXISTS ${SEARCH_SCHEMA}.search USING fts5(
    kind UNINDEXED, ref UNINDEXED, title, phone, email, address, tag,
    tokenize = "unicode61 remove_diacritics 2", prefix = '2 3'
  )`;

/**
 * The search file's own bookkeeping (one row):
 * - mode: 'live' (kept current by the core's triggers) or 'building';
 * - indexed_through: while building, every record with rowid ≤ this is indexed;
 * - followable: 1 when the records being loaded are all new rows (a first
 *   snapshot), so the builder may index them while the load goes on;
 * - needs_clear: the index holds entries from before this build;
 * - gen: counts trigger writes; equal to main.search_sync.gen unless a commit
 *   was torn between the two files (a crash between their commits).
 */
export const SEARCH_STATE_SQL = `
  CREATE TABLE IF NOT EXISTS ${SEARCH_SCHEMA}.search_state (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    format          INTEGER NOT NULL,
    mode            TEXT    NOT NULL CHECK (mode IN ('live', 'building')),
    indexed_through INTEGER NOT NULL DEFAULT 0,
    followable      INTEGER NOT NULL DEFAULT 0,
    needs_clear     INTEGER NOT NULL DEFAULT 0,
    gen             INTEGER NOT NULL DEFAULT 0
  )`;

/**
 * FTS5 merges its segments incrementally as it writes: with 'automerge' 16 it
 * waits for 16 segments of a level instead of 4. Measured on 600k rows in
 * 50k-row commits: the build took 8.1–8.2 s instead of 10.3–11.2 s, with search
 * p95 no worse (2.6–3.3 ms vs 3.4–5.1 ms). Stored in the table's config.
 */
export const SEARCH_TUNING_SQL = `INSERT INTO ${SEARCH_SCHEMA}.search (search, rank) VALUES ('automerge', 16)`;

/** Empties the index (dropping is much cheaper than deleting a million rows from FTS5). */
export const CLEAR_SEARCH_SQL = [
  `DROP TABLE IF EXISTS ${SEARCH_SCHEMA}.search`,
  SEARCH_TABLE_SQL,
  SEARCH_TUNING_SQL,
  `UPDATE ${SEARCH_SCHEMA}.search_state SET needs_clear = 0, indexed_through = 0`,
];

/** Indexes the records with rowid in (after, upTo]: each statement takes (after, upTo); one transaction per window. */
export const INDEX_RANGE_SQL = [
  `INSERT INTO ${SEARCH_SCHEMA}.search (${COLUMNS}) SELECT r.rowid, r.kind, r.id, ${ACCOUNT_FIELDS('r')}
   FROM main.records r WHERE r.rowid > ? AND r.rowid <= ? AND r.kind = 'account'`,
  `INSERT INTO ${SEARCH_SCHEMA}.search (${COLUMNS}) SELECT r.rowid, r.kind, r.id, ${DELIVERY_FIELDS('r')}
   FROM main.records r WHERE r.rowid > ? AND r.rowid <= ? AND r.kind = 'delivery'`,
  `UPDATE ${SEARCH_SCHEMA}.search_state SET indexed_through = max(?, ?)`,
];

const TRIGGER_NAMES = [
  'records_search_ai_account',
  'records_search_ai_delivery',
  'records_search_au_account',
  'records_search_au_delivery',
  'records_search_ad',
] as const;

// Both generation counters move in the same transaction as the index write.
const BUMP = `UPDATE search_state SET gen = gen + 1; UPDATE search_sync SET gen = gen + 1;`;

/**
 * Per-row maintenance while live, on the core's connection. TEMP triggers,
 * because a trigger stored in one database file may not write to another; so
 * they are created on every open of the writable connection (never stored).
 * Unqualified names inside: SQLite forbids qualified ones in trigger bodies and
 * resolves `search`/`search_state` to the attached file, `records` to main.
 */
export const SEARCH_TRIGGERS_SQL = `
  CREATE TEMP TRIGGER ${TRIGGER_NAMES[0]} AFTER INSERT ON main.records WHEN new.kind = 'account' BEGIN
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${ACCOUNT_FIELDS('new')}); ${BUMP}
  END;
  CREATE TEMP TRIGGER ${TRIGGER_NAMES[1]} AFTER INSERT ON main.records WHEN new.kind = 'delivery' BEGIN
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${DELIVERY_FIELDS('new')}); ${BUMP}
  END;
  CREATE TEMP TRIGGER ${TRIGGER_NAMES[2]} AFTER UPDATE ON main.records WHEN new.kind = 'account' BEGIN
    DELETE FROM search WHERE rowid = old.rowid;
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${ACCOUNT_FIELDS('new')}); ${BUMP}
  END;
  CREATE TEMP TRIGGER ${TRIGGER_NAMES[3]} AFTER UPDATE ON main.records WHEN new.kind = 'delivery' BEGIN
    DELETE FROM search WHERE rowid = old.rowid;
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${DELIVERY_FIELDS('new')}); ${BUMP}
  END;
  CREATE TEMP TRIGGER ${TRIGGER_NAMES[4]} AFTER DELETE ON main.records WHEN old.kind IN ('account', 'delivery') BEGIN
    DELETE FROM search WHERE rowid = old.rowid; ${BUMP}
  END;
`;

export const DROP_SEARCH_TRIGGERS_SQL = TRIGGER_NAMES.map(
  (name) => `DROP TRIGGER IF EXISTS temp.${name};`,
).join('\n');

/**
 * The expression indexes the screens and search use (defined by migrations 1 and
 * 6; repeated here verbatim so a bulk load can drop and rebuild them). They live
 * in the main file, beside `records`.
 */
export const LOOKUP_INDEXES = [
  {
    name: 'records_delivery_customer',
    on: "(json_extract(body, '$.customerId')) WHERE kind IN ('delivery', 'payment')",
  },
  {
    name: 'records_payment_delivery',
    on: "(json_extract(body, '$.deliveryId')) WHERE kind = 'payment'",
  },
  {
    name: 'records_phone_intl',
    on: "(replace(json_extract(body, '$.phone'), '+', '')) WHERE kind = 'account'",
  },
  {
    name: 'records_phone_national',
    on: "('0' || substr(json_extract(body, '$.phone'), 4)) WHERE kind = 'account'",
  },
  {
    name: 'records_parcel_tag',
    on: "(upper(json_extract(body, '$.parcel.tag'))) WHERE kind = 'delivery'",
  },
] as const;
