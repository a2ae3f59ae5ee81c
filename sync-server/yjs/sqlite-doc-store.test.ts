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
  return {
    store,
    reopen: () => {
      store.close();
      db.close();
      db = openDb(file);
      store = new SqliteDocStore(db);
      return store;
    },
    dispose: () => {
      store.close();
      if (db.open) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteDocStore', () => {
  it('compaction is atomic: a failing compaction leaves every row in place', () => {
    const db = new Database(':memory:');
    const store = new SqliteDocStore(db);
    const source = new Y.Doc();
    source.getMap('m').set('k', 1);
    store.append('doc', Y.encodeStateAsUpdate(source));
    store.append('doc', new Uint8Array([0, 0]));
    // The DELETE succeeds, then the INSERT fails: the transaction must roll the DELETE back.
    db.exec(`CREATE TRIGGER fail_insert BEFORE INSERT ON yjs_updates
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    expect(() => {
      store.compact('doc', Y.encodeStateAsUpdate(source), 2);
    }).toThrow(/disk on fire/);
    expect(store.count('doc')).toBe(2);
    db.close();
  });

  it('a batch is atomic: a failing row stores none of it, and seqs carry on as if it never ran', () => {
    const db = new Database(':memory:');
    const store = new SqliteDocStore(db);
    expect(store.append('a', new Uint8Array([1]))).toBe(1);
    db.exec(`CREATE TRIGGER fail_b BEFORE INSERT ON yjs_updates WHEN NEW.doc = 'b'
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    expect(() =>
      store.appendBatch([
        { docName: 'a', update: new Uint8Array([2]) },
        { docName: 'b', update: new Uint8Array([3]) },
      ]),
    ).toThrow(/disk on fire/);
    expect(store.count('a')).toBe(1);
    expect(store.count('b')).toBe(0);
    db.exec('DROP TRIGGER fail_b');
    expect(store.appendBatch([{ docName: 'a', update: new Uint8Array([2]) }])).toEqual([2]);
    expect(store.append('b', new Uint8Array([3]))).toBe(1);
    db.close();
  });

  it('picks up seqs written before it was created (the cache starts from the table)', () => {
    const db = new Database(':memory:');
    new SqliteDocStore(db).append('a', new Uint8Array([1]));
    const second = new SqliteDocStore(db);
    expect(second.append('a', new Uint8Array([2]))).toBe(2);
    db.close();
  });
});
