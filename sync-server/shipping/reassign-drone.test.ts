import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DRONE_MODELS, Drone, type DroneSnapshot } from '../../domain/fleet';
import type { AuditEntry } from '../../domain/protocol';
import { asId, expectOk, instant, location, type Instant } from '../../domain/shared';
import { Delivery, parcel, type DeliverySnapshot } from '../../domain/shipping';
import { CommandService, type CommandReply } from '../commands';
import { changeMethodHandler, resolveEscalationHandler, retryVoidHandler } from '../payments';
import { SqliteRecordStore } from '../records';
import { openServerDatabase } from '../storage';
import {
  assignDroneHandler,
  cancelDeliveryHandler,
  rescheduleDeliveryHandler,
} from './delivery-commands.handler';

// Reassignment through the real CommandService (parse, role, idempotency, audit), the real
// assignDrone handler and a real SQLite record store in a temporary file.

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-reassign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW: Instant = instant(1_795_341_600_000);
const MINUTE = 60_000;
const PICKUP = expectOk(location(52.5219, 13.4132));
const DROPOFF = expectOk(location(52.4986, 13.403));
const DEPOT = expectOk(location(52.473, 13.4035));
const FM = { userId: 'fm-1', role: 'fleet-manager', expiresAt: NOW + 3_600_000 } as const;

let store: SqliteRecordStore;
let service: CommandService;
let n = 0;

beforeEach(async () => {
  store = new SqliteRecordStore(openServerDatabase(join(dir, `s${(n += 1)}.sqlite`)), {
    now: () => NOW,
  });
  service = new CommandService(
    store,
    {
      'shipping.assignDrone': assignDroneHandler(() => [DEPOT]),
      'shipping.cancelDelivery': cancelDeliveryHandler(() => Promise.resolve(null)),
      'shipping.rescheduleDelivery': rescheduleDeliveryHandler,
      // The payment handlers are real too; no payment is touched here, so nothing to kick.
      'payments.changeMethod': changeMethodHandler(() => undefined),
      'payments.retryVoid': retryVoidHandler(() => undefined),
      'payments.resolveEscalation': resolveEscalationHandler,
    },
    { now: () => NOW },
    pino({ level: 'silent' }),
  );
  const delivery = expectOk(
    Delivery.create(
      {
        id: asId('Delivery', 'del-1'),
        customerId: asId('Customer', 'cust-1'),
        parcel: expectOk(parcel(1200, 'S', 'PKG-0001')),
        pickup: PICKUP,
        dropoff: DROPOFF,
        window: { start: instant(NOW + 60 * MINUTE), end: instant(NOW + 180 * MINUTE) },
      },
      NOW,
    ),
  );
  await store.transact(async (tx) => {
    const d = delivery.toSnapshot();
    await tx.put('delivery', d.id, d.version, d);
    for (const id of ['drone-1', 'drone-2', 'drone-3']) {
      const drone = expectOk(
        Drone.create({ id: asId('Drone', id), model: DRONE_MODELS['courier-2'], batteryPct: 90 }),
      ).toSnapshot();
      await tx.put('drone', id, drone.version, drone);
    }
  });
});

let key = 0;
const assign = (droneId: string, expectedVersion: number, idempotencyKey = `desk-1:${++key}`) =>
  service.handle(
    {
      name: 'shipping.assignDrone',
      schemaVersion: 1,
      idempotencyKey,
      issuedBy: { userId: FM.userId, role: FM.role, desktopId: 'desk-1' },
      issuedAt: NOW,
      payload: { deliveryId: 'del-1', expectedVersion, droneId },
    },
    FM,
  );

const delivery = async () => (await store.get<DeliverySnapshot>('delivery', 'del-1'))?.body;
const holder = async (id: string) =>
  (await store.get<DroneSnapshot>('drone', id))?.body.assignedDeliveryId;
const status = (r: CommandReply) => ('status' in r.body ? r.body.status : r.body.code);
const code = (r: CommandReply) =>
  'status' in r.body ? (r.body.status === 'rejected' ? r.body.code : r.body.status) : r.body.code;

describe('shipping.assignDrone on a scheduled delivery reassigns it', () => {
  it('releases the old drone and assigns the new one in one transaction', async () => {
    expect(status(await assign('drone-1', 1))).toBe('accepted');
    expect(await holder('drone-1')).toBe('del-1');

    const r = await assign('drone-2', 2);
    expect(r.body).toMatchObject({ status: 'accepted', resultingVersion: 3 });
    expect(await delivery()).toMatchObject({ stage: 'scheduled', droneId: 'drone-2' });
    expect(await holder('drone-1')).toBeNull();
    expect(await holder('drone-2')).toBe('del-1');
  });

  it('writes an audit line naming the released drone and the new one', async () => {
    await assign('drone-1', 1, 'desk-1:first');
    await assign('drone-2', 2, 'desk-1:second');
    const detail = async (key: string) =>
      (await store.get<AuditEntry>('audit', `${key}#command`))?.body.detail;
    expect(await detail('desk-1:first')).toBe('drone drone-1');
    expect(await detail('desk-1:second')).toBe('reassigned from drone-1 to drone-2');
  });

  it('a repeat of the same command is answered from the first outcome, not applied twice', async () => {
    await assign('drone-1', 1);
    const first = await assign('drone-2', 2, 'desk-1:reassign');
    const again = await assign('drone-2', 2, 'desk-1:reassign');
    expect(again.body).toMatchObject({ status: 'accepted', resultingVersion: 3, repeat: true });
    expect(first.body).toMatchObject({ repeat: false });
    expect((await delivery())?.version).toBe(3);
  });

  it('refuses the current drone, a busy drone, and a stale version, changing nothing', async () => {
    await assign('drone-1', 1);
    await store.transact(async (tx) => {
      const d3 = (await tx.get<DroneSnapshot>('drone', 'drone-3'))?.body;
      if (!d3) throw new Error('drone-3 missing');
      const busy = Drone.fromSnapshot(d3);
      expectOk(busy.assign(asId('Delivery', 'del-other'), NOW));
      const snap = busy.toSnapshot();
      await tx.put('drone', 'drone-3', snap.version, snap);
    });
    expect(code(await assign('drone-1', 2))).toBe('DELIVERY.SAME_DRONE');
    expect(code(await assign('drone-3', 2))).toBe('SCHEDULER.NO_DRONE_FREE');
    expect(code(await assign('drone-2', 1))).toBe('DELIVERY.STALE_VERSION');
    expect(await delivery()).toMatchObject({ droneId: 'drone-1', version: 2 });
    expect(await holder('drone-1')).toBe('del-1');
    expect(await holder('drone-2')).toBeNull();
  });

  it('refuses once the drone has left, and says why', async () => {
    await assign('drone-1', 1);
    await store.transact(async (tx) => {
      const record = await tx.get<DeliverySnapshot>('delivery', 'del-1');
      if (!record) throw new Error('del-1 missing');
      const d = Delivery.fromSnapshot(record.body);
      expectOk(d.dispatch(NOW));
      await tx.put('delivery', 'del-1', d.version, d.toSnapshot());
    });
    const r = await assign('drone-2', 3);
    expect(r.body).toMatchObject({
      status: 'rejected',
      code: 'DELIVERY.DRONE_LEFT',
      reason:
        'Its drone has already left (the delivery is en route to pickup), so it can no longer be reassigned.',
    });
    expect(await holder('drone-1')).toBe('del-1');
    expect(await holder('drone-2')).toBeNull();
  });

  it('an agent may not reassign', async () => {
    await assign('drone-1', 1);
    const agent = { userId: 'agent-1', role: 'agent', expiresAt: NOW + 3_600_000 } as const;
    const r = await service.handle(
      {
        name: 'shipping.assignDrone',
        schemaVersion: 1,
        idempotencyKey: 'desk-9:1',
        issuedBy: { userId: 'agent-1', role: 'agent', desktopId: 'desk-9' },
        issuedAt: NOW,
        payload: { deliveryId: 'del-1', expectedVersion: 2, droneId: 'drone-2' },
      },
      agent,
    );
    expect(r.http).toBe(403);
    expect(await holder('drone-2')).toBeNull();
  });
});
