/**
 * Leases with fencing and the token key ring, against the machine's PostgreSQL (a throwaway
 * database). The "paused holder" is made real by cutting its database connection with a TCP
 * proxy: it cannot renew, another instance takes the lease, and when the former holder's
 * connection comes back its fenced write is refused and stores nothing.
 */
import pino from 'pino';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../auth';
import { PostgresRecordStore } from '../records';
import { eventually } from '../test-support/server-process';
import { TcpProxy } from '../test-support/tcp-proxy';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { migrateCluster } from './cluster-migrations';
import { fencedRecordStore } from './fenced-record-store';
import { LeaseLostError, LeaseRunner, type HeldLease } from './lease';
import { TokenKeyRing } from './token-keys';

const pg = throwawayPostgres({ databasePrefix: 'fd_cluster_lease', schemaPrefix: 'unused' });
const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
let direct: Pool;

beforeAll(async () => {
  direct = new Pool({ connectionString: pg.url, max: 4 });
  direct.on('error', pg.onPoolError);
  cleanups.push(() => direct.end());
  // Three at once, as instances starting together: the migrations apply once.
  const applied = await Promise.all(
    [1, 2, 3].map((n) => migrateCluster(direct, 'fleetdesk', `i${n}`)),
  );
  expect(applied.flat().sort()).toEqual([1, 2, 3, 4]);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('leases', () => {
  it('one holder at a time; the job moves when the holder cannot renew, and the old holder is fenced out', async () => {
    const { proxy, url: viaProxy } = await TcpProxy.forUrl(pg.url, 5432);
    cleanups.push(() => proxy.close());
    const poolA = new Pool({
      connectionString: viaProxy,
      max: 2,
      connectionTimeoutMillis: 1000,
    });
    poolA.on('error', () => undefined); // the cut is this test's doing
    cleanups.push(() => poolA.end());
    const storeA = await PostgresRecordStore.open(poolA, { schema: 'fleetdesk' });
    const storeB = await PostgresRecordStore.open(direct, { schema: 'fleetdesk' });

    const started: { who: string; token: number }[] = [];
    let leaseA: HeldLease | undefined;
    const job = (who: string) => ({
      name: 'simulator',
      start: (lease: HeldLease) => {
        if (who === 'A') leaseA = lease;
        started.push({ who, token: lease.token });
        return Promise.resolve(() => undefined);
      },
    });
    const options = { schema: 'fleetdesk', ttlMs: 600, renewMs: 150, log };
    const a = new LeaseRunner({ ...options, pool: poolA, instanceId: 'A' }, [job('A')]);
    await a.start();
    const b = new LeaseRunner({ ...options, pool: direct, instanceId: 'B' }, [job('B')]);
    await b.start();
    cleanups.push(
      () => b.stop(),
      () => a.stop(),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(started).toEqual([{ who: 'A', token: 1 }]); // B kept trying, never got it

    // A fenced write while A holds the lease goes through.
    const fencedA = fencedRecordStore(storeA, leaseA as HeldLease, () => undefined);
    await fencedA.transact((tx) => tx.put('drone', 'd-1', 1, { by: 'A' }));

    await proxy.cut(); // A is "paused": it can neither renew nor write
    const cutAt = Date.now();
    await eventually(() => (started.length === 2 ? true : undefined), 5000, 'B to take the lease');
    const movedMs = Date.now() - cutAt;
    expect(started[1]).toEqual({ who: 'B', token: 2 });

    await proxy.restore(); // A wakes up and tries to write with its old lease
    const refused = await fencedA
      .transact((tx) => tx.put('drone', 'd-1', 2, { by: 'A, late' }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect((await storeB.get('drone', 'd-1'))?.body).toEqual({ by: 'A' });
    expect(a.held()).toEqual({});
    expect(b.held()).toEqual({ simulator: 2 });
    console.log(
      `[cluster] lease moved ${movedMs} ms after its holder lost the database (ttl 600 ms); the late write was refused`,
    );
  }, 20_000);
});

describe('token keys', () => {
  it('tokens name their key; after a rotation old and new are accepted, after retiring only the new', async () => {
    const ring = await TokenKeyRing.open(direct, 'fleetdesk');
    const again = await TokenKeyRing.open(direct, 'fleetdesk'); // a second instance: same key
    expect(again.signing().kid).toBe(ring.signing().kid);
    const claims = { userId: 'agent-1', role: 'agent' as const, expiresAt: Date.now() + 60_000 };
    const sign = (r: TokenKeyRing) => signToken(r.signing().secret, claims, r.signing().kid);
    const old = sign(ring);
    expect(verifyToken(ring.lookup, old, Date.now()).ok).toBe(true);
    // Without a key id (an embedded-mode token) or with an unknown one: refused.
    expect(
      verifyToken(ring.lookup, signToken(ring.signing().secret, claims), Date.now()),
    ).toMatchObject({ ok: false, reason: 'bad-signature' });

    const kid = await ring.rotate(false);
    await again.refresh(); // what every instance's watch does within 10 s
    const fresh = sign(ring);
    expect(ring.signing().kid).toBe(kid);
    for (const r of [ring, again]) {
      expect(verifyToken(r.lookup, old, Date.now()).ok).toBe(true);
      expect(verifyToken(r.lookup, fresh, Date.now()).ok).toBe(true);
    }
    await ring.rotate(true);
    await again.refresh();
    expect(verifyToken(again.lookup, old, Date.now())).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyToken(again.lookup, fresh, Date.now())).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyToken(again.lookup, sign(again), Date.now()).ok).toBe(true);
    ring.close();
    again.close();
  });
});
