import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALEXANDERPLATZ,
  KREUZBERG,
  NOW,
  SECOND,
  at,
  deliveryId,
  droneId,
  failure,
  newDrone,
  outcome,
} from '../test-support/fixtures';
import { instant, type Instant } from '../shared';
import { DRONE_MODELS } from './drone-model';
import {
  DRONE_STATUSES,
  Drone,
  LATE_AFTER_INTERVALS,
  LOST_AFTER_INTERVALS,
  stalenessOf,
  type DroneFix,
  type DroneStatus,
} from './drone.aggregate';

const COURIER = DRONE_MODELS['courier-2'];

const droneWithStatus = (status: DroneStatus, batteryPct = 80): Drone =>
  Drone.fromSnapshot({ ...newDrone(batteryPct).toSnapshot(), status });

const fix = (patch: Partial<DroneFix> = {}): DroneFix => ({
  location: ALEXANDERPLATZ,
  headingDeg: 180,
  speedMps: 15,
  batteryPct: 70,
  at: NOW,
  ...patch,
});

describe('Drone.create', () => {
  it('creates an idle, unassigned drone at version 1 without a fix', () => {
    const drone = newDrone(80);
    expect(drone.id).toBe('drone-1');
    expect(drone.toSnapshot()).toEqual({
      id: 'drone-1',
      model: COURIER,
      status: 'idle',
      batteryPct: 80,
      lastFix: null,
      assignedDeliveryId: null,
      version: 1,
    });
    expect(drone.pullEvents()).toEqual([]);
  });

  it.each([0, 100, 42.5])('accepts a battery of %d %%', (batteryPct) => {
    expect(outcome(Drone.create({ id: droneId(), model: COURIER, batteryPct }))).toBe('ok');
  });

  it.each([-0.1, 100.1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a battery of %d %% with DRONE.INVALID_BATTERY',
    (batteryPct) => {
      expect(outcome(Drone.create({ id: droneId(), model: COURIER, batteryPct }))).toBe(
        'DRONE.INVALID_BATTERY',
      );
    },
  );

  it('round-trips through toSnapshot/fromSnapshot', () => {
    const snap = { ...newDrone().toSnapshot(), status: 'landed' as const, version: 7 };
    expect(Drone.fromSnapshot(snap).toSnapshot()).toEqual(snap);
  });
});

describe('Drone.changeStatus (every pair of statuses)', () => {
  // Maintenance can be entered from anywhere but only left to idle; nothing moves to itself.
  const ALLOWED: Record<DroneStatus, readonly DroneStatus[]> = {
    idle: ['in-flight', 'charging', 'maintenance'],
    charging: ['idle', 'maintenance'],
    'in-flight': ['landed', 'maintenance'],
    landed: ['in-flight', 'idle', 'charging', 'maintenance'],
    maintenance: ['idle'],
  };
  const PAIRS = DRONE_STATUSES.flatMap((from) =>
    DRONE_STATUSES.map((to) => [from, to, ALLOWED[from].includes(to)] as const),
  );

  it('covers all 25 pairs', () => {
    expect(PAIRS).toHaveLength(25);
  });

  it.each(PAIRS)('%s → %s allowed: %s', (from, to, allowed) => {
    const drone = droneWithStatus(from);
    const result = drone.changeStatus(to, at(SECOND));
    if (!allowed) {
      expect(failure(result)).toEqual({
        code: 'DRONE.INVALID_TRANSITION',
        message: `A drone that is ${from} cannot become ${to}.`,
      });
      expect(drone.toSnapshot()).toMatchObject({ status: from, version: 1 });
      expect(drone.pullEvents()).toEqual([]);
      return;
    }
    expect(outcome(result)).toBe('ok');
    expect(drone.toSnapshot()).toMatchObject({ status: to, version: 2 });
    expect(drone.pullEvents()).toEqual([
      {
        type: 'DroneStatusChanged',
        version: 1,
        aggregateId: 'drone-1',
        aggregateVersion: 2,
        occurredAt: at(SECOND),
        data: { from, to },
      },
    ]);
  });

  it.each([
    // model, battery, from, outcome
    ['courier-2', 20, 'idle', 'DRONE.BATTERY_TOO_LOW'],
    ['courier-2', 19.9, 'idle', 'DRONE.BATTERY_TOO_LOW'],
    ['courier-2', 0, 'landed', 'DRONE.BATTERY_TOO_LOW'],
    ['courier-2', 20, 'landed', 'DRONE.BATTERY_TOO_LOW'],
    ['courier-2', 20.01, 'idle', 'ok'],
    ['courier-2', 20.01, 'landed', 'ok'],
    ['hauler-5', 25, 'idle', 'DRONE.BATTERY_TOO_LOW'],
    ['hauler-5', 24, 'idle', 'DRONE.BATTERY_TOO_LOW'],
    ['hauler-5', 26, 'idle', 'ok'],
  ] as const)('a %s with %d %% taking off from %s → %s', (model, battery, from, expected) => {
    const drone = Drone.fromSnapshot({
      ...newDrone(battery, DRONE_MODELS[model]).toSnapshot(),
      status: from,
    });
    expect(outcome(drone.changeStatus('in-flight', NOW))).toBe(expected);
    expect(drone.toSnapshot().status).toBe(expected === 'ok' ? 'in-flight' : from);
  });

  it('only take-off is limited by the battery: an empty drone may still charge or be grounded', () => {
    expect(outcome(droneWithStatus('idle', 0).changeStatus('charging', NOW))).toBe('ok');
    expect(outcome(droneWithStatus('landed', 0).changeStatus('maintenance', NOW))).toBe('ok');
  });

  it('a drained battery reported by telemetry blocks the next take-off', () => {
    const drone = droneWithStatus('landed', 90);
    expect(outcome(drone.recordFix(fix({ batteryPct: 15 })))).toBe('ok');
    expect(failure(drone.changeStatus('in-flight', NOW)).message).toBe(
      'The drone does not have enough battery to take off.',
    );
  });

  it('reports an invalid transition before a low battery', () => {
    expect(outcome(droneWithStatus('charging', 5).changeStatus('in-flight', NOW))).toBe(
      'DRONE.INVALID_TRANSITION',
    );
  });
});

describe('Drone.recordFix', () => {
  it('applies a first fix, updating the battery but not the version, and emits nothing', () => {
    const drone = newDrone(80);
    const first = fix({ batteryPct: 64.5 });
    expect(drone.recordFix(first)).toEqual({ ok: true, value: true });
    expect(drone.toSnapshot()).toMatchObject({ lastFix: first, batteryPct: 64.5, version: 1 });
    expect(drone.pullEvents()).toEqual([]);
  });

  it('applies newer fixes and ignores older or duplicate ones', () => {
    const drone = newDrone();
    const t1 = fix({ at: at(1000) });
    const t2 = fix({ at: at(2000), location: KREUZBERG, batteryPct: 60 });
    expect(drone.recordFix(t1)).toEqual({ ok: true, value: true });
    expect(drone.recordFix(t2)).toEqual({ ok: true, value: true });
    // Replayed and reordered fixes: ignored, not an error.
    expect(drone.recordFix(t1)).toEqual({ ok: true, value: false });
    expect(drone.recordFix({ ...t2, batteryPct: 10 })).toEqual({ ok: true, value: false });
    expect(drone.toSnapshot()).toMatchObject({ lastFix: t2, batteryPct: 60 });
  });

  it.each([
    ['latitude out of range', { location: { lat: 91, lng: 0 } }, 'LOCATION.INVALID'],
    ['longitude NaN', { location: { lat: 0, lng: Number.NaN } }, 'LOCATION.INVALID'],
    ['battery below 0', { batteryPct: -1 }, 'DRONE.INVALID_BATTERY'],
    ['battery above 100', { batteryPct: 101 }, 'DRONE.INVALID_BATTERY'],
    ['negative speed', { speedMps: -0.5 }, 'DRONE.INVALID_FIX'],
    ['NaN speed', { speedMps: Number.NaN }, 'DRONE.INVALID_FIX'],
    ['infinite speed', { speedMps: Number.POSITIVE_INFINITY }, 'DRONE.INVALID_FIX'],
    ['negative heading', { headingDeg: -1 }, 'DRONE.INVALID_FIX'],
    ['heading of 360', { headingDeg: 360 }, 'DRONE.INVALID_FIX'],
    ['NaN heading', { headingDeg: Number.NaN }, 'DRONE.INVALID_FIX'],
  ])('refuses a fix with %s', (_label, patch, code) => {
    const drone = newDrone(80);
    expect(outcome(drone.recordFix(fix(patch)))).toBe(code);
    expect(drone.toSnapshot()).toMatchObject({ lastFix: null, batteryPct: 80 });
  });

  it.each([
    ['heading 0', { headingDeg: 0 }],
    ['heading 359.99', { headingDeg: 359.99 }],
    ['standing still', { speedMps: 0 }],
    ['an empty battery', { batteryPct: 0 }],
  ])('accepts a fix with %s', (_label, patch) => {
    expect(newDrone().recordFix(fix(patch))).toEqual({ ok: true, value: true });
  });

  it('keeps the newest fix whatever order fixes arrive in (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 30 }),
        (offsets) => {
          const drone = newDrone();
          for (const offset of offsets)
            drone.recordFix(fix({ at: at(offset), batteryPct: offset / 100 }));
          const newest = Math.max(...offsets);
          expect(drone.toSnapshot().lastFix?.at).toBe(at(newest));
          expect(drone.toSnapshot().batteryPct).toBe(newest / 100);
        },
      ),
    );
  });
});

describe('Drone.staleness', () => {
  it('is never-reported before the first fix', () => {
    expect(newDrone().staleness(NOW)).toBe('never-reported');
  });

  it('the thresholds are 3 and 10 report intervals', () => {
    expect([LATE_AFTER_INTERVALS, LOST_AFTER_INTERVALS]).toEqual([3, 10]);
  });

  const boundaries = (model: keyof typeof DRONE_MODELS) => {
    const i = DRONE_MODELS[model].reportIntervalMs;
    return [
      [model, 0, 'fresh'],
      [model, i, 'fresh'],
      [model, LATE_AFTER_INTERVALS * i, 'fresh'],
      [model, LATE_AFTER_INTERVALS * i + 1, 'late'],
      [model, LOST_AFTER_INTERVALS * i, 'late'],
      [model, LOST_AFTER_INTERVALS * i + 1, 'lost'],
      [model, 24 * 3600 * 1000, 'lost'],
    ] as const;
  };

  it.each([...boundaries('courier-2'), ...boundaries('hauler-5')])(
    'a %s whose fix is %d ms old is %s',
    (model, ageMs, expected) => {
      const drone = newDrone(80, DRONE_MODELS[model]);
      expect(outcome(drone.recordFix(fix({ at: NOW })))).toBe('ok');
      expect(drone.staleness(instant(NOW + ageMs))).toBe(expected);
      expect(stalenessOf(ageMs, DRONE_MODELS[model].reportIntervalMs)).toBe(expected);
    },
  );

  it('a fix from the (slightly) future counts as fresh', () => {
    expect(stalenessOf(-500, 1000)).toBe('fresh');
  });

  it('never improves as time passes (property)', () => {
    const rank = { fresh: 0, late: 1, lost: 2 } as const;
    fc.assert(
      fc.property(
        fc.nat({ max: 100_000 }),
        fc.nat({ max: 100_000 }),
        fc.integer({ min: 1, max: 5000 }),
        (a, b, interval) => {
          const [young, old] = a <= b ? [a, b] : [b, a];
          expect(rank[stalenessOf(young, interval)]).toBeLessThanOrEqual(
            rank[stalenessOf(old, interval)],
          );
        },
      ),
    );
  });
});

describe('Drone.assign / release (one delivery per drone)', () => {
  it('assigns an idle drone and records DroneAssigned', () => {
    const drone = newDrone();
    expect(outcome(drone.assign(deliveryId(1), NOW))).toBe('ok');
    expect(drone.toSnapshot()).toMatchObject({ assignedDeliveryId: 'del-1', version: 2 });
    expect(drone.pullEvents().map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['DroneAssigned', 2, { deliveryId: 'del-1' }],
    ]);
  });

  it('assigns a landed drone', () => {
    expect(outcome(droneWithStatus('landed').assign(deliveryId(1), NOW))).toBe('ok');
  });

  it('refuses a second delivery, even the same one again', () => {
    const drone = newDrone();
    expect(outcome(drone.assign(deliveryId(1), NOW))).toBe('ok');
    drone.pullEvents();
    expect(outcome(drone.assign(deliveryId(2), NOW))).toBe('DRONE.ALREADY_ASSIGNED');
    expect(outcome(drone.assign(deliveryId(1), NOW))).toBe('DRONE.ALREADY_ASSIGNED');
    expect(drone.toSnapshot()).toMatchObject({ assignedDeliveryId: 'del-1', version: 2 });
    expect(drone.pullEvents()).toEqual([]);
  });

  it.each(['charging', 'in-flight', 'maintenance'] as const)(
    'refuses to assign a %s drone',
    (status) => {
      const drone = droneWithStatus(status);
      expect(failure(drone.assign(deliveryId(1), NOW))).toEqual({
        code: 'DRONE.NOT_AVAILABLE',
        message: `That drone is ${status} and cannot take a delivery.`,
      });
      expect(drone.toSnapshot().assignedDeliveryId).toBeNull();
    },
  );

  it('checks the existing assignment before the status', () => {
    const drone = Drone.fromSnapshot({
      ...newDrone().toSnapshot(),
      status: 'in-flight',
      assignedDeliveryId: deliveryId(1),
    });
    expect(outcome(drone.assign(deliveryId(2), NOW))).toBe('DRONE.ALREADY_ASSIGNED');
  });

  it('release frees the drone for the next delivery', () => {
    const drone = newDrone();
    expect(outcome(drone.assign(deliveryId(1), NOW))).toBe('ok');
    expect(outcome(drone.release(at(SECOND)))).toBe('ok');
    expect(drone.toSnapshot()).toMatchObject({ assignedDeliveryId: null, version: 3 });
    expect(outcome(drone.assign(deliveryId(2), at(2 * SECOND)))).toBe('ok');
    expect(drone.pullEvents().map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['DroneAssigned', 2, { deliveryId: 'del-1' }],
      ['DroneReleased', 3, { deliveryId: 'del-1' }],
      ['DroneAssigned', 4, { deliveryId: 'del-2' }],
    ]);
  });

  it('refuses to release a drone without a delivery', () => {
    const drone = newDrone();
    expect(outcome(drone.release(NOW))).toBe('DRONE.NOT_ASSIGNED');
    expect(drone.toSnapshot().version).toBe(1);
    expect(drone.pullEvents()).toEqual([]);
  });

  it('holds at most one delivery through any sequence of assign/release (property)', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('assign' as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('release' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
        const drone = newDrone();
        let held: string | null = null;
        let version = 1;
        steps.forEach((s, i) => {
          const t: Instant = at(i * SECOND);
          const result = s.kind === 'assign' ? drone.assign(deliveryId(s.n), t) : drone.release(t);
          // The model: assign succeeds only when free, release only when holding one.
          const expectedOk = s.kind === 'assign' ? held === null : held !== null;
          expect(result.ok).toBe(expectedOk);
          if (result.ok) {
            held = s.kind === 'assign' ? deliveryId(s.n) : null;
            version += 1;
          }
          expect(drone.toSnapshot().assignedDeliveryId).toBe(held);
          expect(drone.toSnapshot().version).toBe(version);
        });
      }),
    );
  });
});
