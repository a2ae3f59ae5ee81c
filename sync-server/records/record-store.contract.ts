/**
 * The one contract every RecordStorePort implementation must pass (memory,
 * SQLite now; PostgreSQL in the scale-out mode). Call it from a *.test.ts with
 * a factory that returns a fresh, empty store stamping feed entries with `now`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RECORD_KINDS, type RecordStorePort } from './record-store.port';

const ALL = { kinds: RECORD_KINDS, viewer: null };
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

export interface ContractStoreOptions {
  /** The store's clock for feed write times (ms since the epoch). */
  readonly now: () => number;
}

export function recordStoreContract(
  name: string,
  open: (options: ContractStoreOptions) => Promise<RecordStorePort> | RecordStorePort,
): void {
  describe(`RecordStorePort contract: ${name}`, () => {
    let store: RecordStorePort;
    const clock = { now: T0 };
    afterEach(async () => {
      await store.close();
    });
    const fresh = async (): Promise<RecordStorePort> => {
      clock.now = T0;
      return (store = await open({ now: () => clock.now }));
    };
    /** One put per transaction, the n-th written at `at(n)`; returns the high-water mark. */
    const writeDays = async (
      s: RecordStorePort,
      n: number,
      at: (i: number) => number = (i) => T0 + i * DAY,
    ): Promise<number> => {
      for (let i = 0; i < n; i += 1) {
        clock.now = at(i);
        await s.transact(async (tx) => tx.put('delivery', `d${i % 4}`, i + 1, { i }));
      }
      return s.highWaterMark();
    };
    const seqsSince = async (s: RecordStorePort, since: number): Promise<number[]> =>
      (await s.changesSince(ALL, since, 10_000)).map((r) => r.seq);
    const range = (from: number, to: number): number[] =>
      Array.from({ length: to - from + 1 }, (_, i) => from + i);

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

    describe('pruneFeed', () => {
      it('removes the entries written before the cutoff, oldest first, and moves oldestRetainedSeq', async () => {
        const s = await fresh();
        const hwm = await writeDays(s, 10);
        expect(await s.oldestRetainedSeq()).toBe(1);
        const result = await s.pruneFeed({
          writtenBefore: T0 + 5 * DAY, // entries 1–5 were written on days 0–4
          keepNewest: 1,
          maxEntries: 100,
        });
        expect(result).toEqual({ pruned: 5, oldestRetainedSeq: 6, more: false });
        expect(await s.oldestRetainedSeq()).toBe(6);
        expect(await s.highWaterMark()).toBe(hwm);
        expect(await seqsSince(s, 0)).toEqual(range(6, 10));
        // Nothing else is old enough: a second call is a no-op.
        expect(
          await s.pruneFeed({ writtenBefore: T0 + 5 * DAY, keepNewest: 1, maxEntries: 100 }),
        ).toEqual({ pruned: 0, oldestRetainedSeq: 6, more: false });
      });

      it('keeps the newest keepNewest entries, and always the newest one: the high-water mark never goes back', async () => {
        const s = await fresh();
        const hwm = await writeDays(s, 10);
        const everything = T0 + 100 * DAY;
        expect(
          await s.pruneFeed({ writtenBefore: everything, keepNewest: 3, maxEntries: 100 }),
        ).toMatchObject({ pruned: 7, oldestRetainedSeq: 8 });
        for (const keepNewest of [1, 0, -5]) {
          expect(
            await s.pruneFeed({ writtenBefore: everything, keepNewest, maxEntries: 100 }),
          ).toMatchObject({ oldestRetainedSeq: hwm });
        }
        expect(await s.highWaterMark()).toBe(hwm);
        expect(await seqsSince(s, 0)).toEqual([hwm]);
        // New seqs continue after the old high-water mark (no reuse, no gap).
        clock.now = everything;
        const next = await s.transact(async (tx) => tx.put('drone', 'x', 1, {}));
        expect(next).toBe(hwm + 1);
        expect(await seqsSince(s, hwm - 1)).toEqual([hwm, hwm + 1]);
      });

      it('removes at most maxEntries per call and says when there is more', async () => {
        const s = await fresh();
        await writeDays(s, 10);
        const retention = { writtenBefore: T0 + 100 * DAY, keepNewest: 1, maxEntries: 3 };
        const calls = [];
        for (let i = 0; i < 4; i += 1) calls.push(await s.pruneFeed(retention));
        expect(calls).toEqual([
          { pruned: 3, oldestRetainedSeq: 4, more: true },
          { pruned: 3, oldestRetainedSeq: 7, more: true },
          { pruned: 3, oldestRetainedSeq: 10, more: false },
          { pruned: 0, oldestRetainedSeq: 10, more: false },
        ]);
      });

      it('stops at the first entry written after the cutoff, so the feed never gets a hole', async () => {
        const s = await fresh();
        // The clock stepped back after entry 2: entries 3 and 4 look older than entry 2.
        const written = [1, 50, 2, 3, 60].map((d) => T0 + d * DAY);
        await writeDays(s, 5, (i) => written[i] ?? T0);
        expect(
          await s.pruneFeed({ writtenBefore: T0 + 10 * DAY, keepNewest: 1, maxEntries: 100 }),
        ).toEqual({ pruned: 1, oldestRetainedSeq: 2, more: false });
        expect(await seqsSince(s, 1)).toEqual([2, 3, 4, 5]);
      });

      it('leaves snapshots alone, and a reader at oldestRetainedSeq - 1 still gets every later change', async () => {
        const s = await fresh();
        await s.transact(async (tx) => {
          for (let i = 0; i < 12; i += 1) await tx.put('account', `a${i}`, 1, { i });
        });
        for (let v = 2; v <= 6; v += 1) {
          clock.now += DAY;
          await s.transact(async (tx) => {
            await tx.put('account', 'a3', v, { v });
            await tx.put('command', `k${v}`, 1, { v }, 'alice');
          });
        }
        const hwm = await s.highWaterMark();
        const before = await s.snapshotPage(ALL, hwm, null, 100);
        const { oldestRetainedSeq: oldest } = await s.pruneFeed({
          writtenBefore: clock.now,
          keepNewest: 1,
          maxEntries: 100,
        });
        expect(oldest).toBe(hwm - 1); // the last transaction (two entries) is young
        expect(await s.snapshotPage(ALL, hwm, null, 100)).toEqual(before);
        expect(before.records).toHaveLength(17);
        expect(await s.get('account', 'a0')).toMatchObject({ version: 1, seq: 1 });
        expect(await seqsSince(s, oldest - 1)).toEqual(range(oldest, hwm));
        const alice = { kinds: ['command'] as const, viewer: 'alice' };
        expect((await s.changesSince(alice, oldest - 1, 10)).map((r) => r.id)).toEqual(['k6']);
      });

      it('runs safely alongside transactions: entries of a running transaction stay, the feed stays gap-free', async () => {
        const s = await fresh();
        await writeDays(s, 5);
        clock.now = T0 + 100 * DAY;
        const retention = { writtenBefore: T0 + 200 * DAY, keepNewest: 1, maxEntries: 100 };
        let release = (): void => undefined;
        const gate = new Promise<void>((r) => (release = r));
        const slow = s.transact(async (tx) => {
          await tx.put('drone', 'a', 1, {});
          await gate;
          return tx.put('drone', 'b', 1, {});
        });
        // SQLite and memory run it after the transaction; PostgreSQL at once, on what is committed.
        const pruned = s.pruneFeed(retention);
        await new Promise((r) => setTimeout(r, 20));
        release();
        expect(await slow).toBe(7);
        const { oldestRetainedSeq: oldest } = await pruned;
        expect(oldest).toBeGreaterThanOrEqual(5);
        expect(await seqsSince(s, 0)).toEqual(range(await s.oldestRetainedSeq(), 7));
        const interleaved = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            i % 2
              ? s.pruneFeed(retention)
              : s.transact(async (tx) => tx.put('drone', `c${i}`, 1, {})),
          ),
        );
        expect(interleaved.filter((r) => typeof r === 'number')).toEqual([8, 9, 10, 11, 12]);
        await s.pruneFeed(retention);
        expect(await s.highWaterMark()).toBe(12);
        expect(await seqsSince(s, 0)).toEqual([12]);
      });

      it('does nothing on an empty feed and refuses a bad batch size', async () => {
        const s = await fresh();
        const retention = { writtenBefore: T0 + DAY, keepNewest: 1, maxEntries: 10 };
        expect(await s.pruneFeed(retention)).toEqual({
          pruned: 0,
          oldestRetainedSeq: 0,
          more: false,
        });
        for (const maxEntries of [0, -1, 1.5, Number.NaN])
          await expect(s.pruneFeed({ ...retention, maxEntries })).rejects.toThrow(RangeError);
        expect(await s.highWaterMark()).toBe(0);
      });
    });
  });
}
