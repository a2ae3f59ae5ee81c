import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openServerDatabase } from '../storage';
import { MemoryRecordStore } from './memory-record-store';
import { recordStoreContract } from './record-store.contract';
import { SqliteRecordStore } from './sqlite-record-store';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

recordStoreContract('memory', () => new MemoryRecordStore());
recordStoreContract('sqlite', () => {
  const db = openServerDatabase(join(dir, `r${(n += 1)}.sqlite`));
  const store = new SqliteRecordStore(db);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    db.close();
  };
  return store;
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
