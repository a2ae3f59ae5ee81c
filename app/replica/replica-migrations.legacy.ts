/**
 * Frozen SQL of migration 2 (full-text search in the main file, kept current by
 * stored triggers), exactly as replicas created before migration 7 ran it.
 * Migration 7 replaced it with the attached search file (search-schema.ts); it
 * stays here verbatim because migrations are append-only: a fresh replica still
 * runs 2 and then 7.
 */
// What is searchable per record, as SQL over a `records` row aliased `r`. Phones are
// indexed as digits in international (4930…) and national (030…) form so either way
// of typing finds them; a delivery is found by id, parcel tag and its customer's
// address.
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

export const V2_SEARCH_TRIGGERS_SQL = `
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
