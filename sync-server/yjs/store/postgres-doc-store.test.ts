/**
 * PostgresDocStore against the real PostgreSQL of the dev/CI machine
 * (FLEETDESK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 * The file creates one throwaway database, gives every store its own schema in it, and drops
 * the database at the end. An unreachable server fails the file.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PostgresDocStore } from './postgres-doc-store';
import { docStoreContract } from './doc-store.contract';
import { throwawayPostgres } from '../../test-support/throwaway-postgres';

const db = throwawayPostgres({ databasePrefix: 'fd_yjs_test', schemaPrefix: 'yjs' });
const pg = {
  nextSchema: () => db.nextSchema(),
  open: (schema: string) => PostgresDocStore.open(db.url, { schema, onError: db.onPoolError }),
};

docStoreContract('PostgresDocStore', async () => {
  const schema = pg.nextSchema();
  let store = await pg.open(schema);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await pg.open(schema);
      return store;
    },
    dispose: () => store.close(),
  };
});

describe('PostgresDocStore across server instances', () => {
  it('two pools appending to the same document concurrently get gap-free, unique seqs', async () => {
    const schema = pg.nextSchema();
    const [one, two] = await Promise.all([pg.open(schema), pg.open(schema)]);
    try {
      const doc = 'board/shared/2026-12-01';
      const appends: Promise<number[]>[] = [];
      for (let i = 0; i < 40; i += 1) {
        const store = i % 2 === 0 ? one : two;
        // Batches of one to three rows, some with another document in between.
        const rows = 1 + (i % 3);
        const entries = Array.from({ length: rows }, (_, r) => ({
          docName: r === 1 ? `board/other${i % 4}/2026-12-01` : doc,
          update: new Uint8Array([i, r]),
        }));
        appends.push(
          store
            .appendBatch(entries)
            .then((seqs) => seqs.filter((_, r) => entries[r]?.docName === doc)),
        );
      }
      const seqs = (await Promise.all(appends)).flat().sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(await one.count(doc)).toBe(seqs.length);
      const loaded = await two.load(doc);
      expect(loaded).toHaveLength(seqs.length);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a compaction on one instance while the other appends keeps every later row', async () => {
    const schema = pg.nextSchema();
    const [one, two] = await Promise.all([pg.open(schema), pg.open(schema)]);
    try {
      const source = new Y.Doc();
      const updates: Uint8Array[] = [];
      source.on('update', (u: Uint8Array) => updates.push(u));
      for (let i = 0; i < 30; i += 1) source.getArray<number>('a').push([i]);
      let upto = 0;
      for (const u of updates.slice(0, 20)) upto = await one.append('doc', u);
      const merged = Y.encodeStateAsUpdate(source); // holds all 30, a superset of rows <= upto
      await Promise.all([
        one.compact('doc', merged, upto),
        ...updates.slice(20).map((u) => two.append('doc', u)),
      ]);
      const doc = new Y.Doc();
      for (const row of await two.load('doc')) Y.applyUpdate(doc, row);
      expect(doc.getArray('a').toArray()).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(await one.count('doc')).toBe(11);
      expect(await two.append('doc', new Uint8Array([0, 0]))).toBe(31);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('a failing batch stores nothing and leaves no gap in the seqs', async () => {
    const store = await pg.open(pg.nextSchema());
    try {
      expect(await store.append('a', new Uint8Array([1]))).toBe(1);
      // PostgreSQL refuses a NUL byte in text: the batch fails after the first row was fine.
      await expect(
        store.appendBatch([
          { docName: 'a', update: new Uint8Array([2]) },
          { docName: 'b\u0000', update: new Uint8Array([3]) },
        ]),
      ).rejects.toThrow();
      expect(await store.count('a')).toBe(1);
      expect(await store.append('a', new Uint8Array([2]))).toBe(2);
    } finally {
      await store.close();
    }
  });
});
