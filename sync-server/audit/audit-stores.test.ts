/**
 * The audit trail on both record stores: embedded SQLite and the PostgreSQL store of the
 * scale-out mode (a throwaway database on the machine's PostgreSQL, dropped at the end). Lines
 * are written once per id, and the feed filter gives them to supervisors only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PaymentSnapshot } from '../../domain/payments';
import type { AuditEntry, Command } from '../../domain/protocol';
import { FEED_KINDS } from '../feed';
import { PostgresRecordStore, SqliteRecordStore, type RecordStorePort } from '../records';
import { openServerDatabase } from '../storage';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { auditCommand, auditGatewayStep } from './audit-writer';

const dir = mkdtempSync(join(tmpdir(), 'fd-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pg = throwawayPostgres({ databasePrefix: 'fd_audit', schemaPrefix: 'audit' });

const ISSUED = 1_795_334_400_000;
const ACCEPTED = ISSUED + 2 * 3_600_000;
const payment = {
  id: 'pay-000034',
  customerId: 'cust-7',
  deliveryId: 'del-000034',
} as unknown as PaymentSnapshot;
const cancel = {
  name: 'shipping.cancelDelivery',
  schemaVersion: 1,
  idempotencyKey: 'desk-9:000001',
  issuedBy: { userId: 'agent-3', role: 'agent', desktopId: 'desk-9' },
  issuedAt: ISSUED,
  payload: { deliveryId: 'del-000034', expectedVersion: 2, reason: 'customer-request' },
} as unknown as Command;

async function exercise(store: RecordStorePort): Promise<void> {
  try {
    await store.transact(async (tx) => {
      await tx.put('payment', payment.id, 1, payment);
      await tx.put('delivery', 'del-000034', 1, { id: 'del-000034', customerId: 'cust-7' });
      await auditCommand(
        tx,
        cancel,
        { status: 'accepted', resultingVersion: 3 },
        {
          kind: 'delivery',
          id: 'del-000034',
        },
        ACCEPTED,
      );
    });
    await store.transact((tx) =>
      auditGatewayStep(tx, {
        commandKey: 'desk-9:000001',
        step: 'release-0',
        outcome: 'void-refused',
        code: 'PAYMENT.RELEASE_REFUSED',
        detail: 'void of the hold: refused',
        payment,
        at: ACCEPTED + 500,
      }),
    );
    // A repeat (the same key applied again) writes nothing new.
    await store.transact(async (tx) => {
      await auditCommand(
        tx,
        cancel,
        { status: 'accepted', resultingVersion: 3 },
        null,
        ACCEPTED + 9,
      );
    });
    const lines = (await store.list<AuditEntry>('audit')).map((r) => r.body);
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.event === 'command')).toMatchObject({
      userId: 'agent-3',
      desktopId: 'desk-9',
      issuedAt: ISSUED,
      acceptedAt: ACCEPTED,
      customerId: 'cust-7',
      deliveryId: 'del-000034',
      detail: 'customer-request',
    });
    expect(lines.find((l) => l.event === 'gateway-step')).toMatchObject({
      userId: 'agent-3',
      desktopId: 'desk-9',
      issuedAt: ISSUED,
      outcome: 'void-refused',
      paymentId: 'pay-000034',
    });
    const upTo = await store.highWaterMark();
    for (const role of ['agent', 'fleet-manager', 'supervisor'] as const) {
      const filter = { kinds: FEED_KINDS[role], viewer: `${role}-1` };
      const snap = await store.snapshotPage(filter, upTo, null, 100);
      const changes = await store.changesSince(filter, 0, 100);
      const seen = [...snap.records, ...changes].filter((r) => r.kind === 'audit').length;
      expect(seen, role).toBe(role === 'supervisor' ? 4 : 0);
    }
  } finally {
    await store.close();
  }
}

describe('audit lines on both record stores', () => {
  it('embedded SQLite', async () => {
    await exercise(new SqliteRecordStore(openServerDatabase(join(dir, 'a.sqlite'))));
  });
  it('PostgreSQL (scale-out)', async () => {
    await exercise(
      await PostgresRecordStore.open(pg.url, { schema: pg.nextSchema(), onError: pg.onPoolError }),
    );
  });
});
