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
});
