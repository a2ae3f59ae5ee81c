import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditPosition, AuditQuery } from '../../domain/protocol';
import { migrate, MIGRATIONS, openServerDatabase } from '../storage';
import { auditTrailContract } from './audit-trail.contract';
import { auditSearchSql, SQLITE_AUDIT } from './audit-sql';
import { MemoryRecordStore } from './memory-record-store';
import { recordStoreContract } from './record-store.contract';
import { SqliteRecordStore } from './sqlite-record-store';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

recordStoreContract('memory', ({ now }) => new MemoryRecordStore({ now }));
recordStoreContract('sqlite', ({ now }) => {
  const db = openServerDatabase(join(dir, `r${(n += 1)}.sqlite`));
  const store = new SqliteRecordStore(db, { now });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    db.close();
  };
  return store;
});

auditTrailContract('memory', () => new MemoryRecordStore());
auditTrailContract('sqlite', () => {
  const db = openServerDatabase(join(dir, `audit${(n += 1)}.sqlite`));
  const store = new SqliteRecordStore(db);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    db.close();
  };
  return store;
});

describe('SqliteRecordStore audit search uses its indexes', () => {
  it('reads one index range per filter, never the whole records table', () => {
    const db = openServerDatabase(join(dir, 'audit-plan.sqlite'));
    const plan = (query: AuditQuery, before: AuditPosition | null = null): string => {
      const { sql, params } = auditSearchSql(SQLITE_AUDIT, 'records', {
        query,
        before,
        limit: 50,
      });
      return db
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((r) => r.detail)
        .join(' | ');
    };
    expect(plan({})).toMatch(/USING INDEX records_audit_at/);
    expect(plan({ customerId: 'c', from: 1, to: 2 })).toMatch(/USING INDEX records_audit_customer/);
    expect(plan({ deliveryId: 'd' }, { at: 5, id: 'x' })).toMatch(
      /USING INDEX records_audit_order/,
    );
    expect(plan({ userId: 'u' })).toMatch(/USING INDEX records_audit_agent/);
    // No sort step: the index already yields newest first.
    expect(plan({ userId: 'u' })).not.toMatch(/TEMP B-TREE/);
    db.close();
  });
});

describe('SqliteRecordStore durability', () => {
  it('keeps committed records across a reopen of the file', async () => {
    const file = join(dir, 'reopen.sqlite');
    const db1 = openServerDatabase(file);
    await new SqliteRecordStore(db1).transact(async (tx) =>
      tx.put('account', 'a', 1, { name: 'x' }),
    );
    db1.close();
    const db2 = openServerDatabase(file);
    expect(await new SqliteRecordStore(db2).get('account', 'a')).toMatchObject({
      version: 1,
      body: { name: 'x' },
    });
    db2.close();
  });
});

describe('SqliteRecordStore feed retention after the upgrade to migration 3', () => {
  it('counts entries written before the upgrade as written at the upgrade, without rewriting them', async () => {
    const file = join(dir, 'legacy.sqlite');
    const legacy = new Database(file);
    migrate(
      legacy,
      MIGRATIONS.filter((m) => m.version <= 2),
    );
    const insert = legacy.prepare(
      "INSERT INTO feed (kind, id, version, body, owner) VALUES ('drone', 'x', ?, '{}', NULL)",
    );
    for (let v = 1; v <= 5; v += 1) insert.run(v);
    legacy
      .prepare(
        "INSERT INTO records (kind, id, version, body, owner, updated_seq) VALUES ('drone', 'x', 5, '{}', NULL, 5)",
      )
      .run();
    legacy.close();

    const upgradedAt = Date.now();
    const db = openServerDatabase(file);
    const store = new SqliteRecordStore(db);
    const retention = { keepNewest: 1, maxEntries: 100 };
    // unixepoch() has whole seconds: the stamp is at most 1 s before upgradedAt.
    expect(await store.pruneFeed({ ...retention, writtenBefore: upgradedAt - 5000 })).toEqual({
      pruned: 0,
      oldestRetainedSeq: 1,
      more: false,
    });
    expect(await store.pruneFeed({ ...retention, writtenBefore: upgradedAt + 5000 })).toEqual({
      pruned: 4,
      oldestRetainedSeq: 5,
      more: false,
    });
    expect(await store.transact(async (tx) => tx.put('drone', 'x', 6, {}))).toBe(6);
    expect(await store.get('drone', 'x')).toMatchObject({ version: 6, seq: 6 });
    db.close();
  });
});
