/**
 * Audit-trail retention in the scale-out mode: the AuditPruner runs as a leased job on the
 * machine's PostgreSQL (a throwaway database), through the fenced record store as
 * background-jobs.ts runs it. Old lines go, recent ones stay; once the lease is gone, a
 * prune is refused and deletes nothing.
 */
import pino from 'pino';
import { Pool } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEntry } from '../../domain/protocol';
import { AuditPruner } from '../audit';
import { PostgresRecordStore } from '../records';
import { eventually } from '../test-support/server-process';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { migrateCluster } from './cluster-migrations';
import { fencedRecordStore } from './fenced-record-store';
import { LeaseLostError, LeaseRunner, type HeldLease } from './lease';

const pg = throwawayPostgres({ databasePrefix: 'fd_audit_lease', schemaPrefix: 'unused' });
const DAY = 86_400_000;
const NOW = Date.now();
const cleanups: (() => Promise<void> | void)[] = [];
let pool: Pool;
let store: PostgresRecordStore;

beforeAll(async () => {
  pool = new Pool({ connectionString: pg.url, max: 4 });
  pool.on('error', pg.onPoolError);
  cleanups.push(() => pool.end());
  await migrateCluster(pool, 'fleetdesk', 'i1');
  store = await PostgresRecordStore.open(pool, { schema: 'fleetdesk' });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const line = (key: string, ageDays: number): AuditEntry => ({
  id: `${key}#command`,
  event: 'command',
  at: NOW - ageDays * DAY,
  commandKey: key,
  command: 'shipping.cancelDelivery',
  userId: 'agent-1',
  role: 'agent',
  desktopId: 'desk-1',
  issuedAt: NOW - ageDays * DAY,
  acceptedAt: NOW - ageDays * DAY,
  outcome: 'accepted',
  code: null,
  detail: null,
  customerId: 'cust-1',
  deliveryId: 'del-1',
  paymentId: null,
});

const keys = async (): Promise<string[]> =>
  (await store.searchAudit({ query: {}, before: null, limit: 100 })).map((e) => e.commandKey);

it('the leased audit pruner removes lines past retention and keeps the rest; a lost lease deletes nothing', async () => {
  await store.transact(async (tx) => {
    for (const [key, age] of [
      ['k-900d', 900],
      ['k-401d', 401],
      ['k-399d', 399],
      ['k-1d', 1],
    ] as const)
      await tx.put('audit', `${key}#command`, 1, line(key, age));
  });

  let held: HeldLease | undefined;
  const runner = new LeaseRunner(
    {
      pool,
      schema: 'fleetdesk',
      instanceId: 'i1',
      ttlMs: 600,
      renewMs: 150,
      log: pino({ level: 'silent' }),
    },
    [
      {
        name: 'audit-pruner',
        start: (lease) => {
          held = lease;
          const pruner = new AuditPruner(
            fencedRecordStore(store, lease, () => undefined),
            () => Date.now(),
            { maxAgeMs: 400 * DAY, batchSize: 1, intervalMs: 100 },
            { pruned: () => undefined, passed: () => undefined, failed: () => undefined },
          );
          pruner.start();
          return Promise.resolve(() => pruner.stop());
        },
      },
    ],
  );
  await runner.start();
  await eventually(async () => ((await keys()).length === 2 ? true : undefined), 10_000, 'prune');
  expect(await keys()).toEqual(['k-1d', 'k-399d']);

  await runner.stop(); // the lease is released: a former holder's prune must do nothing
  await store.transact(async (tx) => tx.put('audit', 'k-500d#command', 1, line('k-500d', 500)));
  const late = fencedRecordStore(store, held as HeldLease, () => undefined);
  const refused = await late
    .pruneAudit({ before: NOW - 400 * DAY, maxEntries: 10 })
    .catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(LeaseLostError);
  expect(await keys()).toEqual(['k-1d', 'k-399d', 'k-500d']);
}, 30_000);
