/**
 * Group commit of PostgresRecordStore (issue 11, postgres-group-commit.ts) against the real
 * PostgreSQL: transactions waiting on one instance share one PostgreSQL transaction, yet each
 * commits all or nothing, sees exactly the members before it, and gets its own result or error.
 * Which rows one PostgreSQL transaction wrote is read from their `xmin` (its transaction id).
 */
import { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { MAX_GROUP_MEMBERS } from './postgres-group-commit';
import { PostgresRecordStore } from './postgres-record-store';
import { RECORD_KINDS } from './record-store.port';

const ALL = { kinds: RECORD_KINDS, viewer: null };
const pg = throwawayPostgres({ databasePrefix: 'fd_test_group', schemaPrefix: 'grp' });

/** PostgreSQL transaction id that wrote each current record of `kind`, by record id. */
async function writers(schema: string, kind: string): Promise<Map<string, string>> {
  const pool = new Pool({ connectionString: pg.url, max: 1 });
  try {
    const { rows } = await pool.query<{ id: string; xid: string }>(
      `SELECT id, xmin::text AS xid FROM "${schema}".records WHERE kind = $1`,
      [kind],
    );
    return new Map(rows.map((r) => [r.id, r.xid]));
  } finally {
    await pool.end();
  }
}

describe('PostgresRecordStore group commit', () => {
  it('waiting transactions commit together; each still commits all or nothing, in order', async () => {
    const schema = pg.nextSchema();
    const s = await PostgresRecordStore.open(pg.url, { schema, onError: pg.onPoolError });
    try {
      await s.transact(async (tx) => tx.put('payment', 'counter', 1, { n: 0 }));
      const n = 3 * MAX_GROUP_MEMBERS;
      // All queued at once: read-modify-write of one counter, an entry of its own, and every
      // fifth one fails after its puts (a thrown error, or an id PostgreSQL cannot store).
      const results = await Promise.allSettled(
        Array.from({ length: n }, (_, t) =>
          s.transact(async (tx) => {
            const cur = await tx.get<{ n: number }>('payment', 'counter');
            if (!cur) throw new Error('missing counter');
            const seq = await tx.put('payment', 'counter', cur.version + 1, { n: cur.body.n + 1 });
            await tx.put('command', `t${t}`, 1, { t, saw: cur.body.n });
            if (t % 5 === 2) throw new Error(`member ${t} failed`);
            if (t % 5 === 4) await tx.put('command', `bad\u0000${t}`, 1, {});
            return seq;
          }),
        ),
      );
      const ok = results.flatMap((r, t) => (r.status === 'fulfilled' ? [{ t, seq: r.value }] : []));
      results.forEach((r, t) => {
        if (t % 5 === 2)
          expect(r).toMatchObject({
            status: 'rejected',
            reason: { message: `member ${t} failed` },
          });
        else if (t % 5 === 4)
          expect(r.status === 'rejected' ? r.reason : r.value).toBeInstanceOf(RangeError);
        else expect(r.status).toBe('fulfilled');
      });
      // Committed members saw each other in queue order: the counter went up by one each.
      const counter = await s.get<{ n: number }>('payment', 'counter');
      expect(counter?.body.n).toBe(ok.length);
      for (const [i, { t }] of ok.entries())
        expect((await s.get<{ saw: number }>('command', `t${t}`))?.body.saw).toBe(i);
      // Failed members wrote nothing; the feed is gap-free: 1 + 2 entries per committed member.
      for (const [t, r] of results.entries())
        if (r.status === 'rejected') expect(await s.get('command', `t${t}`)).toBeUndefined();
      const seqs = (await s.changesSince(ALL, 0, 1000)).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 1 + 2 * ok.length }, (_, i) => i + 1));
      // And they were grouped: fewer PostgreSQL transactions than members, none over the cap.
      const xids = [...(await writers(schema, 'command')).values()];
      const perXid = new Map<string, number>();
      for (const x of xids) perXid.set(x, (perXid.get(x) ?? 0) + 1);
      expect(perXid.size).toBeLessThan(ok.length);
      expect(Math.max(...perXid.values())).toBeLessThanOrEqual(MAX_GROUP_MEMBERS);
    } finally {
      await s.close();
    }
  });

  it('a guarded transaction runs alone: its guard fences only its own writes', async () => {
    const schema = pg.nextSchema();
    const s = await PostgresRecordStore.open(pg.url, { schema, onError: pg.onPoolError });
    try {
      const put = (id: string) => (tx: Parameters<Parameters<typeof s.transact>[0]>[0]) =>
        tx.put('drone', id, 1, { id });
      const results = await Promise.allSettled([
        s.transact(put('before')),
        s.transactGuarded(() => Promise.reject(new Error('lease moved')), put('fenced')),
        s.transactGuarded(() => Promise.resolve(), put('guarded')),
        s.transact(put('after-1')),
        s.transact(put('after-2')),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      expect(await s.get('drone', 'fenced')).toBeUndefined();
      const xid = await writers(schema, 'drone');
      expect(new Set([xid.get('before'), xid.get('guarded'), xid.get('after-1')]).size).toBe(3);
      expect(xid.get('after-1')).toBe(xid.get('after-2')); // plain ones after it grouped again
      expect((await s.changesSince(ALL, 0, 10)).map((r) => r.id)).toEqual([
        'before',
        'guarded',
        'after-1',
        'after-2',
      ]);
    } finally {
      await s.close();
    }
  });
});
