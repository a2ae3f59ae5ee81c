/**
 * The region-status publisher's Yjs writes are fenced by its lease (scale-out), against the
 * machine's PostgreSQL (a throwaway database). Instance A holds the lease and publishes through
 * a real hub on PostgresDocStore; its database connection is then cut with a TCP proxy (A is
 * "paused"), B takes the lease, and when A's connection comes back before it noticed, the
 * write A's publisher makes is refused: not stored, not seen by a reader, and B's later write is.
 */
import pino from 'pino';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readRegionStatus, REGION_STATUS_MAP, type RegionStatus } from '../../domain/protocol';
import { GatewayHealth, RegionStatusPublisher } from '../region-status';
import { eventually } from '../test-support/server-process';
import { TcpProxy } from '../test-support/tcp-proxy';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { PostgresDocStore } from '../yjs';
import { HubHarness, STATUS, synced } from '../yjs/test-support/hub-harness';
import { migrateCluster } from './cluster-migrations';
import { LeaseLostError, LeaseRunner, type HeldLease } from './lease';

const pg = throwawayPostgres({ databasePrefix: 'fd_cluster_rsfence', schemaPrefix: 'unused' });
const cleanups: (() => Promise<void> | void)[] = [];
const FLEET = {
  dronesByStatus: { idle: 1, charging: 0, 'in-flight': 0, landed: 0, maintenance: 0 },
  deliveriesInFlight: 0,
};

beforeAll(async () => {
  const direct = new Pool({ connectionString: pg.url, max: 2 });
  direct.on('error', pg.onPoolError);
  cleanups.push(() => direct.end());
  await migrateCluster(direct, 'fleetdesk', 'setup');
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const statusOf = (doc: Y.Doc): RegionStatus | null =>
  readRegionStatus(Object.fromEntries(doc.getMap(REGION_STATUS_MAP).entries()));
const levelOf = (doc: Y.Doc): string | undefined => statusOf(doc)?.payments?.level;

/** A publisher of `north` on `hub`, with a gateway level the test sets. */
function publisher(hub: HubHarness, errors: unknown[]) {
  const health = new GatewayHealth({ degradedForMs: 30_000 });
  // Errors it logs are kept (the original objects, with their causes); nothing is printed.
  const log = pino({
    level: 'error',
    hooks: {
      logMethod(args) {
        const [first] = args as unknown[];
        if (typeof first === 'object' && first !== null && 'err' in first) errors.push(first.err);
      },
    },
  });
  const p = new RegionStatusPublisher({
    region: 'north',
    transact: (fn) => hub.hub.serverTransact(STATUS, fn),
    paymentsLevel: (now) => health.level(now),
    fleet: () => Promise.resolve(FLEET),
    now: () => Date.now(),
    intervalMs: 60_000,
    log,
  });
  cleanups.push(() => p.stop());
  return { p, health };
}

describe('region status under a lease', () => {
  it("a stale holder's write is refused; the new holder's is stored and seen", async () => {
    const { proxy, url: viaProxy } = await TcpProxy.forUrl(pg.url, 5432);
    cleanups.push(() => proxy.close());
    const poolA = new Pool({
      connectionString: viaProxy,
      max: 3,
      connectionTimeoutMillis: 1000,
    });
    poolA.on('error', () => undefined); // the cut is this test's doing
    const poolB = new Pool({ connectionString: pg.url, max: 3 });
    poolB.on('error', pg.onPoolError);
    cleanups.push(
      () => poolA.end(),
      () => poolB.end(),
    );

    // Each instance: a hub on its own PostgresDocStore, and the lease runner that fences it.
    const instance = async (id: string, pool: Pool) => {
      const store = await PostgresDocStore.open(pool, { schema: 'fleetdesk' });
      const hub = await HubHarness.start({
        backend: () => Promise.resolve({ store, close: () => store.close() }),
      });
      cleanups.push(() => hub.stop());
      const leases: HeldLease[] = [];
      const runner = new LeaseRunner(
        {
          pool,
          schema: 'fleetdesk',
          instanceId: id,
          ttlMs: 600,
          renewMs: 150,
          log: pino({ level: 'silent' }),
        },
        [
          {
            name: 'region-status',
            // What JobContext.fenceYjsDoc does in scale-out. The stop function leaves the guard
            // on: a paused holder has not yet run it when it wakes up and writes.
            start: (lease) => {
              leases.push(lease);
              store.guardDoc(STATUS, (client) => lease.fence(client));
              return Promise.resolve(() => undefined);
            },
          },
        ],
      );
      cleanups.push(() => runner.stop());
      return { hub, runner, leases };
    };

    const a = await instance('A', poolA);
    await a.runner.start();
    const b = await instance('B', poolB);
    await b.runner.start();
    expect(a.runner.held()).toEqual({ 'region-status': 1 });

    const errorsA: unknown[] = [];
    const pubA = publisher(a.hub, errorsA);
    await pubA.p.start();
    expect(levelOf(await b.hub.stored(STATUS))).toBe('ok');

    // A reader on B's hub sees what is stored and broadcast.
    const reader = b.hub.provider(STATUS, 'sup-token');
    await synced(reader.provider);
    expect(levelOf(reader.doc)).toBe('ok');

    await proxy.cut(); // A is "paused": it can neither renew nor write
    await eventually(() => (b.leases.length === 1 ? true : undefined), 5000, 'B to take the lease');
    expect(b.leases[0]?.token).toBe(2);
    await proxy.restore();

    // A wakes up with its old lease and publishes a change: refused in the append's transaction.
    pubA.health.breakerChanged('open');
    pubA.p.gatewayChanged();
    await eventually(() => (errorsA.length > 0 ? true : undefined), 10_000, "A's write to fail");
    // The hub wraps the store's refusal; its cause is the lease check's.
    expect((errorsA[0] as Error).cause).toBeInstanceOf(LeaseLostError);
    expect(String((errorsA[0] as Error).cause)).toMatch(/"region-status" \(token 1\)/);
    expect(levelOf(await b.hub.stored(STATUS))).toBe('ok');

    // B, the holder, publishes: stored, and the reader sees B's write, never A's.
    const pubB = publisher(b.hub, []);
    pubB.health.breakerChanged('open');
    await pubB.p.start();
    expect(levelOf(await b.hub.stored(STATUS))).toBe('down');
    await eventually(
      () => (levelOf(reader.doc) === 'down' ? true : undefined),
      5000,
      'the reader to see B',
    );
  }, 30_000);
});
