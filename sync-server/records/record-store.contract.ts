/**
 * The one contract every RecordStorePort implementation must pass (memory,
 * SQLite now; PostgreSQL in the scale-out mode). Call it from a *.test.ts with
 * a factory that returns a fresh, empty store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RECORD_KINDS, type RecordStorePort } from './record-store.port';

const ALL = { kinds: RECORD_KINDS, viewer: null };

export function recordStoreContract(
  name: string,
  open: () => Promise<RecordStorePort> | RecordStorePort,
): void {
  describe(`RecordStorePort contract: ${name}`, () => {
    let store: RecordStorePort;
    afterEach(async () => {
      await store.close();
    });
    const fresh = async (): Promise<RecordStorePort> => (store = await open());

    it('assigns consecutive feed seqs in put order and keeps the latest version', async () => {
      const s = await fresh();
      const seqs = await s.transact(async (tx) => [
        await tx.put('delivery', 'd1', 1, { stage: 'created' }),
        await tx.put('delivery', 'd2', 1, { stage: 'created' }),
        await tx.put('delivery', 'd1', 2, { stage: 'scheduled' }),
      ]);
      expect(seqs).toEqual([1, 2, 3]);
      expect(await s.get('delivery', 'd1')).toMatchObject({
        version: 2,
        body: { stage: 'scheduled' },
        seq: 3,
      });
      expect(await s.highWaterMark()).toBe(3);
    });

    it('ignores a version that is not newer (idempotent upsert)', async () => {
      const s = await fresh();
      await s.transact(async (tx) => tx.put('drone', 'x', 5, { a: 1 }));
      const again = await s.transact(async (tx) => [
        await tx.put('drone', 'x', 5, { a: 2 }),
        await tx.put('drone', 'x', 4, { a: 3 }),
      ]);
      expect(again).toEqual([null, null]);
      expect((await s.get('drone', 'x'))?.body).toEqual({ a: 1 });
      expect(await s.changesSince(ALL, 0, 100)).toHaveLength(1);
    });

    it('rolls back every put of a failed transaction', async () => {
      const s = await fresh();
      await expect(
        s.transact(async (tx) => {
          await tx.put('account', 'a1', 1, {});
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await s.get('account', 'a1')).toBeUndefined();
      expect(await s.highWaterMark()).toBe(0);
      // …and the store stays usable.
      await s.transact(async (tx) => tx.put('account', 'a1', 1, {}));
      expect(await s.highWaterMark()).toBe(1);
    });

    it('serializes concurrent transactions (read-modify-write never loses an update)', async () => {
      const s = await fresh();
      await s.transact(async (tx) => tx.put('payment', 'p', 1, { n: 0 }));
      await Promise.all(
        Array.from({ length: 20 }, () =>
          s.transact(async (tx) => {
            const cur = await tx.get<{ n: number }>('payment', 'p');
            await new Promise((r) => setTimeout(r, 1));
            if (!cur) throw new Error('missing');
            await tx.put('payment', 'p', cur.version + 1, { n: cur.body.n + 1 });
          }),
        ),
      );
      expect((await s.get<{ n: number }>('payment', 'p'))?.body.n).toBe(20);
    });

    it('pages a snapshot up to a high-water mark, then changes fill the rest without gaps or duplicates', async () => {
      const s = await fresh();
      await s.transact(async (tx) => {
        for (let i = 0; i < 25; i += 1)
          await tx.put('account', `a${String(i).padStart(2, '0')}`, 1, { i });
      });
      const upTo = await s.highWaterMark();
      const seen = new Map<string, number>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await s.snapshotPage(ALL, upTo, cursor, 10);
        // A concurrent writer changes records mid-snapshot.
        if (pages === 0)
          await s.transact(async (tx) => {
            await tx.put('account', 'a00', 2, { i: 'x' });
            await tx.put('account', 'a24', 2, { i: 'y' });
          });
        for (const r of page.records) seen.set(r.id, r.version);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      for (const r of await s.changesSince(ALL, upTo, 100)) seen.set(r.id, r.version);
      expect(pages).toBe(3);
      expect(seen.size).toBe(25);
      expect(seen.get('a00')).toBe(2);
      expect(seen.get('a24')).toBe(2);
    });

    it('resumes the feed from any seq in order', async () => {
      const s = await fresh();
      for (let i = 1; i <= 30; i += 1)
        await s.transact(async (tx) => tx.put('delivery', 'd', i, { i }));
      const first = await s.changesSince(ALL, 0, 12);
      const rest = await s.changesSince(ALL, first.at(-1)?.seq ?? 0, 100);
      expect([...first, ...rest].map((r) => r.seq)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    });

    it('filters by kind and hides other users’ private records', async () => {
      const s = await fresh();
      await s.transact(async (tx) => {
        await tx.put('command', 'k1', 1, {}, 'alice');
        await tx.put('command', 'k2', 1, {}, 'bob');
        await tx.put('drone', 'dr', 1, {});
      });
      const alice = { kinds: ['command'] as const, viewer: 'alice' };
      expect((await s.changesSince(alice, 0, 10)).map((r) => r.id)).toEqual(['k1']);
      expect((await s.snapshotPage(alice, 10, null, 10)).records.map((r) => r.id)).toEqual(['k1']);
      expect((await s.snapshotPage(ALL, 10, null, 10)).records).toHaveLength(3);
      expect((await s.list('drone')).map((r) => r.id)).toEqual(['dr']);
    });
  });
}
