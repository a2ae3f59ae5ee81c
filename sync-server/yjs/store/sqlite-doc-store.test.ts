import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docStoreContract } from './doc-store.contract';
import { SqliteDocStore } from './sqlite-doc-store';

const openDb = (file: string): Database.Database => {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
};

docStoreContract('SqliteDocStore (file in a temp dir)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetdesk-yjs-store-'));
  const file = path.join(dir, 'sync.db');
  let db = openDb(file);
  let store = new SqliteDocStore(db);
  return Promise.resolve({
    store,
    reopen: async () => {
      await store.close();
      db.close();
      db = openDb(file);
      store = new SqliteDocStore(db);
      return store;
    },
    dispose: async () => {
      await store.close();
      if (db.open) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
});

describe('SqliteDocStore', () => {
  it('does its work inside the call: the promise is already settled', async () => {
    const db = new Database(':memory:');
    const store = new SqliteDocStore(db);
    void store.append('a', new Uint8Array([1]));
    // Read straight from the table, without awaiting: the row is committed already.
    expect(db.prepare('SELECT COUNT(*) AS n FROM yjs_updates').get()).toEqual({ n: 1 });
    expect(await store.count('a')).toBe(1);
    db.close();
  });

  it('compaction is atomic: a failing compaction leaves every row in place', async () => {
    const db = new Database(':memory:');
    const store = new SqliteDocStore(db);
    const source = new Y.Doc();
    source.getMap('m').set('k', 1);
    await store.append('doc', Y.encodeStateAsUpdate(source));
    await store.append('doc', new Uint8Array([0, 0]));
    // The DELETE succeeds, then the INSERT fails: the transaction must roll the DELETE back.
    db.exec(`CREATE TRIGGER fail_insert BEFORE INSERT ON yjs_updates
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    await expect(store.compact('doc', Y.encodeStateAsUpdate(source), 2)).rejects.toThrow(
      /disk on fire/,
    );
    expect(await store.count('doc')).toBe(2);
    db.close();
  });

  it('a batch is atomic: a failing row stores none of it, and seqs carry on as if it never ran', async () => {
    const db = new Database(':memory:');
    const store = new SqliteDocStore(db);
    expect(await store.append('a', new Uint8Array([1]))).toBe(1);
    db.exec(`CREATE TRIGGER fail_b BEFORE INSERT ON yjs_updates WHEN NEW.doc = 'b'
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    await expect(
      store.appendBatch([
        { docName: 'a', update: new Uint8Array([2]) },
        { docName: 'b', update: new Uint8Array([3]) },
      ]),
    ).rejects.toThrow(/disk on fire/);
    expect(await store.count('a')).toBe(1);
    expect(await store.count('b')).toBe(0);
    db.exec('DROP TRIGGER fail_b');
    expect(await store.appendBatch([{ docName: 'a', update: new Uint8Array([2]) }])).toEqual([2]);
    expect(await store.append('b', new Uint8Array([3]))).toBe(1);
    db.close();
  });

  it('picks up seqs written before it was created (the cache starts from the table)', async () => {
    const db = new Database(':memory:');
    await new SqliteDocStore(db).append('a', new Uint8Array([1]));
    const second = new SqliteDocStore(db);
    expect(await second.append('a', new Uint8Array([2]))).toBe(2);
    db.close();
  });
});
