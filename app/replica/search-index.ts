import type { WritableDb } from './db-handles';
import { runBulkSqlHere, type BulkSqlJob, type BulkSqlRunner } from './replica-worker';

/**
 * Triggers that keep the FTS5 `search` table in step with `records`, inside the
 * same transaction as each record write. Shared by migration 2 and by the
 * bulk-load switch below; changing this text changes no existing replica
 * (migrations already ran), so treat it as append-only like a migration.
 */
// What is searchable per record, as SQL over a `records` row aliased `r`. Phones are
// indexed as digits in international (4930…) and national (030…) form so either way
// of typing finds them; a delivery is found by id, parcel tag and its customer's
// address. Written out per kind (not through the search_source view of migration 2):
// a view over UNION ALL defeats rowid lookups and made the rebuild quadratic.
const ACCOUNT_FIELDS = (r: string): string => `
  json_extract(${r}.body, '$.name'),
  replace(json_extract(${r}.body, '$.phone'), '+', '') || ' 0' || substr(json_extract(${r}.body, '$.phone'), 4),
  json_extract(${r}.body, '$.email'),
  json_extract(${r}.body, '$.address.line1') || ' ' || json_extract(${r}.body, '$.address.postcode') || ' ' || json_extract(${r}.body, '$.address.city'),
  NULL`;
const DELIVERY_FIELDS = (r: string): string => `
  ${r}.id, NULL, NULL,
  (SELECT json_extract(a.body, '$.address.line1') || ' ' || json_extract(a.body, '$.address.postcode')
     FROM records a WHERE a.kind = 'account' AND a.id = json_extract(${r}.body, '$.customerId')),
  json_extract(${r}.body, '$.parcel.tag')`;
const COLUMNS = 'rowid, kind, ref, title, phone, email, address, tag';

/**
 * Triggers that keep the FTS5 `search` table in step with `records`, inside the
 * same transaction as each record write (used by migration 2 and by the bulk-load
 * switch below).
 */
export const SEARCH_TRIGGERS_SQL = `
  CREATE TRIGGER records_search_ai_account AFTER INSERT ON records WHEN new.kind = 'account' BEGIN
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${ACCOUNT_FIELDS('new')});
  END;
  CREATE TRIGGER records_search_ai_delivery AFTER INSERT ON records WHEN new.kind = 'delivery' BEGIN
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${DELIVERY_FIELDS('new')});
  END;
  CREATE TRIGGER records_search_au_account AFTER UPDATE ON records WHEN new.kind = 'account' BEGIN
    DELETE FROM search WHERE rowid = old.rowid;
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${ACCOUNT_FIELDS('new')});
  END;
  CREATE TRIGGER records_search_au_delivery AFTER UPDATE ON records WHEN new.kind = 'delivery' BEGIN
    DELETE FROM search WHERE rowid = old.rowid;
    INSERT INTO search (${COLUMNS}) VALUES (new.rowid, new.kind, new.id, ${DELIVERY_FIELDS('new')});
  END;
  CREATE TRIGGER records_search_ad AFTER DELETE ON records WHEN old.kind IN ('account', 'delivery') BEGIN
    DELETE FROM search WHERE rowid = old.rowid;
  END;
`;

const DROP_TRIGGERS_SQL = `
  DROP TRIGGER IF EXISTS records_search_ai;
  DROP TRIGGER IF EXISTS records_search_au;
  DROP TRIGGER IF EXISTS records_search_ai_account;
  DROP TRIGGER IF EXISTS records_search_ai_delivery;
  DROP TRIGGER IF EXISTS records_search_au_account;
  DROP TRIGGER IF EXISTS records_search_au_delivery;
  DROP TRIGGER IF EXISTS records_search_ad;
`;

/**
 * During the initial snapshot, per-row FTS maintenance (with its address lookup)
 * costs most of the ingest time. The snapshot turns it off and rebuilds the index
 * in one pass at the end. Idempotent; safe to call again after a crash mid-snapshot.
 */
export function suspendSearchIndexing(db: WritableDb): void {
  db.exec(DROP_TRIGGERS_SQL);
  // Each of these parses the JSON body on every insert; building them once at the
  // end (a sort) is several times cheaper than maintaining them row by row.
  db.exec(LOOKUP_INDEXES.map((i) => `DROP INDEX IF EXISTS ${i.name};`).join('\n'));
}

/**
 * The expression indexes the screens and search use (defined by migrations 1 and
 * 6; repeated here verbatim so a bulk load can drop and rebuild them).
 */
const LOOKUP_INDEXES = [
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

/**
 * Rebuilds the lookup indexes and the whole search index from `records`, then
 * turns per-row maintenance back on. The core passes its ReplicaWorker's runner,
 * so this runs on another thread and the UI stays answered while a
 * million-row replica is indexed. Only the feed consumer writes records, and it
 * awaits this, so no record changes while the triggers are off; after a crash
 * half-way the feed runs it again from the start.
 */
export async function resumeSearchIndexing(
  db: WritableDb,
  run: BulkSqlRunner = runBulkSqlHere(db),
  rangeRows = 5000,
): Promise<void> {
  const maxRowid = (
    db.prepare('SELECT COALESCE(MAX(rowid), 0) AS m FROM records').get() as { m: number }
  ).m;
  const job: BulkSqlJob = {
    before: [
      DROP_TRIGGERS_SQL,
      ...LOOKUP_INDEXES.map((i) => `CREATE INDEX IF NOT EXISTS ${i.name} ON records ${i.on}`),
      'DELETE FROM search',
    ],
    ranged: [
      `INSERT INTO search (${COLUMNS}) SELECT r.rowid, r.kind, r.id, ${ACCOUNT_FIELDS('r')}
       FROM records r WHERE r.rowid > ? AND r.rowid <= ? AND r.kind = 'account'`,
      `INSERT INTO search (${COLUMNS}) SELECT r.rowid, r.kind, r.id, ${DELIVERY_FIELDS('r')}
       FROM records r WHERE r.rowid > ? AND r.rowid <= ? AND r.kind = 'delivery'`,
    ],
    maxRowid,
    rangeRows,
    after: [SEARCH_TRIGGERS_SQL],
  };
  await run(job);
}

export function searchIndexingActive(db: WritableDb): boolean {
  return (
    db
      .prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'records_search_ai_account'",
      )
      .get() !== undefined
  );
}
