/**
 * PostgresRecordStore against the real PostgreSQL of the dev/CI machine
 * (FLEETDESK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 * The file creates one throwaway database, gives every store its own schema in
 * it, and drops the database at the end. An unreachable server fails the file.
 */
import { randomBytes } from 'node:crypto';
import { escapeIdentifier, Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import type { AuditQuery } from '../../domain/protocol';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { auditSearchSql, POSTGRES_AUDIT } from './audit-sql';
import { auditTrailContract } from './audit-trail.contract';
import { withChangeNotifications } from './notifying-record-store';
import { PostgresRecordStore } from './postgres-record-store';
import { recordStoreContract } from './record-store.contract';
import { RECORD_KINDS, type RecordStorePort, type StoredRecord } from './record-store.port';
import { RedisChangeNotifier } from './redis-change-notifier';

const REDIS_URL = process.env['FLEETDESK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const ALL = { kinds: RECORD_KINDS, viewer: null };
const run = randomBytes(5).toString('hex'); // names this run's Redis channels

const pg = throwawayPostgres({
  databasePrefix: 'fd_test',
  schemaPrefix: 'store',
  // An ICU default collation orders 'a' < 'B'; the store must still page in byte order.
  create: (admin, quoted) =>
    admin
      .query(
        `CREATE DATABASE ${quoted} TEMPLATE template0
           LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'`,
      )
      .catch(() => admin.query(`CREATE DATABASE ${quoted}`)),
});
const nextSchema = (): string => pg.nextSchema();
const open = (schema = nextSchema(), now?: () => number): Promise<PostgresRecordStore> =>
  PostgresRecordStore.open(pg.url, {
    schema,
    onError: pg.onPoolError,
    ...(now ? { now } : {}),
  });

recordStoreContract('postgres', ({ now }) => open(nextSchema(), now));

auditTrailContract('postgres', () => open());

describe('PostgresRecordStore audit search uses its indexes', () => {
  it('plans an index range read newest first for each filter, with no sort', async () => {
    const schema = nextSchema();
    const store = await open(schema);
    const pool = new Pool({ connectionString: pg.url, max: 1 });
    try {
      // Enough lines that a planner with statistics prefers the indexes over a scan + sort.
      await pool.query(`
        INSERT INTO ${escapeIdentifier(schema)}.records (kind, id, version, body, owner, updated_seq)
        SELECT 'audit', 'line-' || n, 1, json_build_object('id', 'line-' || n, 'at', n * 1000,
          'customerId', 'cust-' || (n % 3000), 'deliveryId', 'del-' || (n % 20000),
          'userId', 'agent-' || (n % 40))::text, NULL, n
        FROM generate_series(1, 50000) n;
        ANALYZE ${escapeIdentifier(schema)}.records;`);
      const plan = async (query: AuditQuery): Promise<string> => {
        const { sql, params } = auditSearchSql(
          POSTGRES_AUDIT,
          `${escapeIdentifier(schema)}.records`,
          { query, before: { at: 40_000_000, id: 'line-40000' }, limit: 50 },
        );
        const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      };
      expect(await plan({})).toMatch(/Index Scan Backward using records_audit_at/);
      expect(await plan({ customerId: 'cust-7' })).toMatch(/records_audit_customer/);
      expect(await plan({ deliveryId: 'del-7' })).toMatch(/records_audit_order/);
      expect(await plan({ userId: 'agent-7', from: 1000 })).toMatch(/records_audit_agent/);
      expect(await plan({ userId: 'agent-7' })).not.toMatch(/Sort/);
    } finally {
      await pool.end();
      await store.close();
    }
  });
});

/** Closes every store at the end of a test, even a failing one. */
async function withStores<T>(
  stores: Promise<RecordStorePort[]>,
  body: (s: RecordStorePort[]) => Promise<T>,
) {
  const opened = await stores;
  try {
    return await body(opened);
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}

describe('PostgresRecordStore across server instances', () => {
  it('two instances writing concurrently get gap-free, duplicate-free, commit-ordered seqs', async () => {
    const schema = nextSchema();
    // Two pools = two server instances; opening concurrently also exercises the DDL lock.
    await withStores(
      Promise.all([open(schema), open(schema), open(schema)]),
      async ([a, b, follower]) => {
        if (!a || !b || !follower) throw new Error('unreachable');
        const written = new Map<number, string>(); // seq -> "kind/id@version"
        const perTx: number[][] = [];
        const writer = (store: RecordStorePort, name: string) =>
          Promise.all(
            Array.from({ length: 40 }, (_, t) =>
              store.transact(async (tx) => {
                const seqs: number[] = [];
                for (let p = 0; p <= t % 3; p += 1) {
                  const id = `${name}-${t}-${p}`;
                  const seq = await tx.put('delivery', id, 1, { name, t, p });
                  if (seq === null) throw new Error('fresh put ignored');
                  expect(written.has(seq)).toBe(false);
                  written.set(seq, `delivery/${id}@1`);
                  seqs.push(seq);
                }
                perTx.push(seqs);
              }),
            ),
          );

        // A third instance follows the feed while the writers run, moving its cursor to
        // the last seq it saw. With out-of-order commits (a SEQUENCE) it would skip one.
        const state = { writing: true };
        const followed: number[] = [];
        const follow = (async () => {
          let since = 0;
          while (state.writing || since < (await follower.highWaterMark())) {
            for (const r of await follower.changesSince(ALL, since, 1000)) {
              followed.push(r.seq);
              since = r.seq;
            }
          }
        })();
        await Promise.all([writer(a, 'a'), writer(b, 'b')]);
        state.writing = false;
        await follow;

        const total = 2 * Array.from({ length: 40 }, (_, t) => (t % 3) + 1).reduce((x, y) => x + y);
        const expected = Array.from({ length: total }, (_, i) => i + 1);
        expect([...written.keys()].sort((x, y) => x - y)).toEqual(expected);
        expect(followed).toEqual(expected);
        for (const seqs of perTx) expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i)); // consecutive inside a tx
        expect(await a.highWaterMark()).toBe(total);
        expect(await b.highWaterMark()).toBe(total);
        for (const store of [a, b]) {
          const feed = await store.changesSince(ALL, 0, total + 10);
          expect(feed.map((r) => r.seq)).toEqual(expected);
          for (const r of feed) expect(`${r.kind}/${r.id}@${r.version}`).toBe(written.get(r.seq));
        }
      },
    );
  });

  it('serializes read-modify-write transactions across instances', async () => {
    const schema = nextSchema();
    await withStores(Promise.all([open(schema), open(schema)]), async ([a, b]) => {
      if (!a || !b) throw new Error('unreachable');
      await a.transact(async (tx) => tx.put('payment', 'p', 1, { n: 0 }));
      const bump = (s: RecordStorePort) =>
        s.transact(async (tx) => {
          const cur = await tx.get<{ n: number }>('payment', 'p');
          await new Promise((r) => setTimeout(r, 1));
          if (!cur) throw new Error('missing');
          return tx.put('payment', 'p', cur.version + 1, { n: cur.body.n + 1 });
        });
      const seqs = await Promise.all(Array.from({ length: 30 }, (_, i) => bump(i % 2 ? a : b)));
      expect(seqs.every((s) => s !== null)).toBe(true);
      expect(await b.get('payment', 'p')).toMatchObject({ version: 31, body: { n: 30 }, seq: 31 });
    });
  });

  it('a commit on one instance wakes the other through Redis, which then reads it', async () => {
    const schema = nextSchema();
    const prefix = `fd-test:${run}:`;
    const [na, nb] = await Promise.all([
      RedisChangeNotifier.open({ url: REDIS_URL, prefix }),
      RedisChangeNotifier.open({ url: REDIS_URL, prefix }),
    ]).catch((error: unknown) => {
      throw new Error(`Redis is not reachable at ${REDIS_URL}: ${String(error)}`, {
        cause: error,
      });
    });
    try {
      await withStores(Promise.all([open(schema), open(schema)]), async ([a, b]) => {
        if (!a || !b) throw new Error('unreachable');
        const woken = new Promise<number>((resolve) => nb.subscribe(resolve));
        const storeA = withChangeNotifications(a, na);
        await storeA.transact(async (tx) => tx.put('drone', 'dr-1', 1, { battery: 90 }));
        const seq = await woken;
        expect(seq).toBe(1);
        expect((await b.changesSince(ALL, 0, 10)).map((r) => r.id)).toEqual(['dr-1']);
      });
    } finally {
      await Promise.all([na.close(), nb.close()]);
    }
  });
});

describe('PostgresRecordStore specifics', () => {
  it('returns bodies byte for byte (key order, duplicate-looking keys, NUL in strings)', async () => {
    await withStores(Promise.all([open()]), async ([s]) => {
      if (!s) throw new Error('unreachable');
      const body = { z: 1, a: { y: [3, 1], b: null }, nul: 'a\u0000b', big: 2 ** 53 - 1 };
      await s.transact(async (tx) => tx.put('account', 'x', 1, body));
      const got = (await s.get<typeof body>('account', 'x'))?.body;
      expect(JSON.stringify(got)).toBe(JSON.stringify(body));
      expect(Object.keys(got ?? {})).toEqual(['z', 'a', 'nul', 'big']);
    });
  });

  it('pages snapshots in byte order of (kind, id), whatever the database collation', async () => {
    await withStores(Promise.all([open()]), async ([s]) => {
      if (!s) throw new Error('unreachable');
      const ids = ['b', 'B', 'a', '_', 'A', 'é', 'aa', 'a-b', 'Z', '0'];
      await s.transact(async (tx) => {
        for (const id of ids) await tx.put('zone', id, 1, {});
        await tx.put('depot', 'q', 1, {});
      });
      const seen: StoredRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = await s.snapshotPage(ALL, 100, cursor, 3);
        seen.push(...page.records);
        cursor = page.nextCursor;
      } while (cursor !== null);
      const bytes = (id: string) => Buffer.from(id);
      const expectedZones = [...ids].sort((x, y) => Buffer.compare(bytes(x), bytes(y)));
      expect(seen.map((r) => `${r.kind}:${r.id}`)).toEqual([
        'depot:q',
        ...expectedZones.map((id) => `zone:${id}`),
      ]);
      expect((await s.list('zone')).map((r) => r.id)).toEqual(expectedZones);
    });
  });

  it('keeps data across a reopen of the same schema (idempotent bootstrap)', async () => {
    const schema = nextSchema();
    await withStores(Promise.all([open(schema)]), async ([s]) => {
      await s?.transact(async (tx) => tx.put('account', 'a', 1, { name: 'x' }));
    });
    await withStores(Promise.all([open(schema)]), async ([s]) => {
      expect(await s?.get('account', 'a')).toMatchObject({ version: 1, body: { name: 'x' } });
      expect(await s?.highWaterMark()).toBe(1);
    });
  });

  it('returns every connection after failed transactions and refuses a stale tx handle', async () => {
    const pool = new Pool({ connectionString: pg.url, max: 2 });
    try {
      const s = await PostgresRecordStore.open(pool, { schema: nextSchema() });
      for (let i = 0; i < 5; i += 1)
        await expect(
          s.transact(async (tx) => {
            await tx.put('account', `a${i}`, 1, {});
            throw new Error(`boom ${i}`);
          }),
        ).rejects.toThrow(`boom ${i}`);
      // A statement error inside the transaction rolls back too.
      await expect(
        s.transact(async (tx) => tx.put('account', 'bad\u0000id', 1, {})),
      ).rejects.toThrow();
      await expect(s.transact(async (tx) => tx.put('account', 'v', 1.5, {}))).rejects.toThrow(
        RangeError,
      );
      let leaked: Parameters<Parameters<RecordStorePort['transact']>[0]>[0] | undefined;
      await s.transact(async (tx) => {
        leaked = tx;
        return tx.put('account', 'ok', 1, {});
      });
      await expect(leaked?.get('account', 'ok')).rejects.toThrow('after its transaction ended');
      expect(await s.highWaterMark()).toBe(1);
      expect(pool.totalCount - pool.idleCount).toBe(0);
      await s.close();
      // The caller's pool stays open.
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await expect(s.transact(() => Promise.resolve())).rejects.toThrow('closed');
    } finally {
      await pool.end();
    }
  });

  it('upgrades a feed table from before retention: its entries count as written at the upgrade', async () => {
    const schema = nextSchema();
    const pool = new Pool({ connectionString: pg.url, max: 1 });
    try {
      const s = escapeIdentifier(schema);
      // The tables as the previous build created them (no written_at).
      await pool.query(`
        CREATE SCHEMA ${s};
        CREATE TABLE ${s}.records (kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
          version bigint NOT NULL, body text NOT NULL, owner text, updated_seq bigint NOT NULL,
          PRIMARY KEY (kind, id));
        CREATE TABLE ${s}.feed (seq bigint PRIMARY KEY, kind text NOT NULL, id text NOT NULL,
          version bigint NOT NULL, body text NOT NULL, owner text);
        CREATE TABLE ${s}.feed_head (id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
        INSERT INTO ${s}.feed SELECT v, 'drone', 'x', v, '{}', NULL FROM generate_series(1, 5) v;
        INSERT INTO ${s}.records VALUES ('drone', 'x', 5, '{}', NULL, 5);
        INSERT INTO ${s}.feed_head VALUES (1, 5);`);
    } finally {
      await pool.end();
    }
    const upgradedAt = Date.now();
    for (let reopen = 0; reopen < 2; reopen += 1) {
      await withStores(Promise.all([open(schema)]), async ([store]) => {
        if (!store) throw new Error('unreachable');
        const retention = { keepNewest: 1, maxEntries: 100 };
        expect(
          await store.pruneFeed({ ...retention, writtenBefore: upgradedAt - 5000 }),
        ).toMatchObject({ pruned: 0, oldestRetainedSeq: reopen === 0 ? 1 : 5 });
        if (reopen === 0) {
          expect(await store.pruneFeed({ ...retention, writtenBefore: Date.now() + 5000 })).toEqual(
            { pruned: 4, oldestRetainedSeq: 5, more: false },
          );
          expect(await store.transact(async (tx) => tx.put('drone', 'x', 6, {}))).toBe(6);
        }
        expect(await store.highWaterMark()).toBe(6);
      });
    }
  });

  it('fails clearly when the server is unreachable', async () => {
    await expect(
      PostgresRecordStore.open('postgres://postgres@127.0.0.1:1/postgres', { schema: 'x' }),
    ).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
