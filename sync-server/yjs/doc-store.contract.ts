import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocStore } from './doc-store.port';

/** What each implementation's test file hands the contract: a fresh store, and a way to reopen it. */
export interface DocStoreFixture {
  readonly store: DocStore;
  /**
   * Closes `store` and returns a store over the same backing data, as after a restart.
   * Memory stores have no backing data and return `undefined`, which skips the reopen checks.
   */
  reopen(): DocStore | undefined;
  dispose(): void;
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
export function docStoreContract(name: string, makeFixture: () => DocStoreFixture): void {
  describe(`DocStore contract: ${name}`, () => {
    let fixture: DocStoreFixture;
    let store: DocStore;
    beforeEach(() => {
      fixture = makeFixture();
      store = fixture.store;
    });
    afterEach(() => {
      fixture.dispose();
    });

    it('loads nothing for an unknown document', () => {
      expect(store.load('board/x/2024-01-01')).toEqual([]);
      expect(store.count('board/x/2024-01-01')).toBe(0);
    });

    it('appends with increasing seqs and loads in order, per document', () => {
      const a = new Uint8Array([1, 2, 3]);
      expect(store.append('a', a)).toBe(1);
      expect(store.append('b', new Uint8Array([9]))).toBe(1);
      expect(store.append('a', new Uint8Array([4]))).toBe(2);
      a[0] = 42; // the store copied the bytes
      expect(store.load('a')).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
      expect(store.load('b')).toEqual([new Uint8Array([9])]);
      expect(store.count('a')).toBe(2);
    });

    it('appends a batch across documents with the seqs single appends would have got', () => {
      store.append('a', new Uint8Array([1]));
      const update = new Uint8Array([7]);
      const seqs = store.appendBatch([
        { docName: 'a', update },
        { docName: 'b', update: new Uint8Array([8]) },
        { docName: 'a', update: new Uint8Array([9]) },
      ]);
      update[0] = 42; // the store copied the bytes
      expect(seqs).toEqual([2, 1, 3]);
      expect(store.load('a')).toEqual([
        new Uint8Array([1]),
        new Uint8Array([7]),
        new Uint8Array([9]),
      ]);
      expect(store.load('b')).toEqual([new Uint8Array([8])]);
      expect(store.appendBatch([])).toEqual([]);
      expect(store.append('b', new Uint8Array([0]))).toBe(2);
    });

    it('compacts rows up to a seq into one and keeps later rows and the merged state', () => {
      const source = new Y.Doc();
      const seqs = ['a', 'b', 'c', 'd'].map((s) => store.append('doc', textUpdate(source, s)));
      const merged = Y.encodeStateAsUpdate(source);
      const late = textUpdate(source, 'e');
      const lateSeq = store.append('doc', late);
      store.compact('doc', merged, seqs[3] ?? 0);
      expect(store.count('doc')).toBe(2);
      expect(replay(store.load('doc')).getText('t').toJSON()).toBe('abcde');
      // seqs are not reused after compaction
      expect(store.append('doc', textUpdate(source, 'f'))).toBeGreaterThan(lateSeq);
      expect(replay(store.load('doc')).getText('t').toJSON()).toBe('abcdef');
    });

    it('keeps data across a reopen (if the store has backing data)', () => {
      const source = new Y.Doc();
      store.append('doc', textUpdate(source, 'hello'));
      const merged = Y.encodeStateAsUpdate(source);
      const seq = store.append('doc', textUpdate(source, ' world'));
      store.compact('doc', merged, 1);
      const reopened = fixture.reopen();
      if (reopened === undefined) return;
      store = reopened;
      expect(store.count('doc')).toBe(2);
      expect(replay(store.load('doc')).getText('t').toJSON()).toBe('hello world');
      expect(store.append('doc', new Uint8Array([0, 0]))).toBe(seq + 1);
    });

    it('throws after close', () => {
      store.close();
      expect(() => store.load('a')).toThrow();
      expect(() => store.append('a', new Uint8Array([1]))).toThrow();
      expect(() => store.appendBatch([{ docName: 'a', update: new Uint8Array([1]) }])).toThrow();
    });
  });
}
