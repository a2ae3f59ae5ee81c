import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocStore } from './doc-store.port';

/** What each implementation's test file hands the contract: a fresh store, and a way to reopen it. */
export interface DocStoreFixture {
  readonly store: DocStore;
  /**
   * Closes `store` and resolves to a store over the same backing data, as after a restart.
   * Memory stores have no backing data and resolve to `undefined`, which skips the reopen checks.
   */
  reopen(): Promise<DocStore | undefined>;
  dispose(): Promise<void>;
}

const textUpdate = (base: Y.Doc, insert: string): Uint8Array => {
  const before = Y.encodeStateVector(base);
  base.getText('t').insert(base.getText('t').length, insert);
  return Y.encodeStateAsUpdate(base, before);
};

const replay = (updates: readonly Uint8Array[]): Y.Doc => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc;
};

/** The one suite every `DocStore` implementation must pass (y-redis style). */
export function docStoreContract(name: string, makeFixture: () => Promise<DocStoreFixture>): void {
  describe(`DocStore contract: ${name}`, () => {
    let fixture: DocStoreFixture;
    let store: DocStore;
    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    it('loads nothing for an unknown document', async () => {
      expect(await store.load('board/x/2024-01-01')).toEqual([]);
      expect(await store.count('board/x/2024-01-01')).toBe(0);
    });

    it('appends with increasing seqs and loads in order, per document', async () => {
      const a = new Uint8Array([1, 2, 3]);
      const first = store.append('a', a);
      a[0] = 42; // the store copied the bytes when called, before the promise settled
      expect(await first).toBe(1);
      expect(await store.append('b', new Uint8Array([9]))).toBe(1);
      expect(await store.append('a', new Uint8Array([4]))).toBe(2);
      expect(await store.load('a')).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
      expect(await store.load('b')).toEqual([new Uint8Array([9])]);
      expect(await store.count('a')).toBe(2);
    });

    it('appends a batch across documents with the seqs single appends would have got', async () => {
      await store.append('a', new Uint8Array([1]));
      const update = new Uint8Array([7]);
      const batch = store.appendBatch([
        { docName: 'a', update },
        { docName: 'b', update: new Uint8Array([8]) },
        { docName: 'a', update: new Uint8Array([9]) },
      ]);
      update[0] = 42; // the store copied the bytes
      expect(await batch).toEqual([2, 1, 3]);
      expect(await store.load('a')).toEqual([
        new Uint8Array([1]),
        new Uint8Array([7]),
        new Uint8Array([9]),
      ]);
      expect(await store.load('b')).toEqual([new Uint8Array([8])]);
      expect(await store.appendBatch([])).toEqual([]);
      expect(await store.append('b', new Uint8Array([0]))).toBe(2);
    });

    it('keeps seqs gap-free and in call order when appends overlap', async () => {
      const calls = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? store.append('a', new Uint8Array([i]))
          : store.appendBatch([{ docName: 'a', update: new Uint8Array([i]) }]).then(([s]) => s),
      );
      const seqs = await Promise.all(calls);
      expect([...seqs].sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect(await store.count('a')).toBe(20);
    });

    it('compacts rows up to a seq into one and keeps later rows and the merged state', async () => {
      const source = new Y.Doc();
      const seqs: number[] = [];
      for (const s of ['a', 'b', 'c', 'd'])
        seqs.push(await store.append('doc', textUpdate(source, s)));
      const merged = Y.encodeStateAsUpdate(source);
      const late = textUpdate(source, 'e');
      const lateSeq = await store.append('doc', late);
      await store.compact('doc', merged, seqs[3] ?? 0);
      expect(await store.count('doc')).toBe(2);
      expect(
        replay(await store.load('doc'))
          .getText('t')
          .toJSON(),
      ).toBe('abcde');
      // seqs are not reused after compaction
      expect(await store.append('doc', textUpdate(source, 'f'))).toBeGreaterThan(lateSeq);
      expect(
        replay(await store.load('doc'))
          .getText('t')
          .toJSON(),
      ).toBe('abcdef');
    });

    it('keeps data across a reopen (if the store has backing data)', async () => {
      const source = new Y.Doc();
      await store.append('doc', textUpdate(source, 'hello'));
      const merged = Y.encodeStateAsUpdate(source);
      const seq = await store.append('doc', textUpdate(source, ' world'));
      await store.compact('doc', merged, 1);
      const reopened = await fixture.reopen();
      if (reopened === undefined) return;
      store = reopened;
      expect(await store.count('doc')).toBe(2);
      expect(
        replay(await store.load('doc'))
          .getText('t')
          .toJSON(),
      ).toBe('hello world');
      expect(await store.append('doc', new Uint8Array([0, 0]))).toBe(seq + 1);
    });

    it('rejects after close', async () => {
      await store.close();
      await expect(store.load('a')).rejects.toThrow();
      await expect(store.append('a', new Uint8Array([1]))).rejects.toThrow();
      await expect(
        store.appendBatch([{ docName: 'a', update: new Uint8Array([1]) }]),
      ).rejects.toThrow();
      await expect(store.compact('a', new Uint8Array([0, 0]), 1)).rejects.toThrow();
      await expect(store.count('a')).rejects.toThrow();
    });
  });
}
