import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALEXANDERPLATZ,
  BERLIN,
  BRANDENBURG_GATE,
  CHARLOTTENBURG,
  COURIER,
  DEPOTS,
  HAULER,
  HEAVY_PARCEL,
  HOUR,
  KREUZBERG,
  MINUTE,
  NOW,
  PRENZLAUER_BERG,
  SMALL_PARCEL,
  TEMPELHOF_DEPOT,
  WEDDING_DEPOT,
  at,
  deliveryId,
  droneId,
  schedulableDelivery,
  schedulableDrone,
} from '../test-support/fixtures';
import { asId, distanceMeters, etaFromDistance, expectOk, type Location } from '../shared';
import { DRONE_MODELS, type DroneModel } from '../fleet';
import {
  batteryNeededPct,
  planAssignments,
  routeMeters,
  type SchedulableDelivery,
  type SchedulableDrone,
} from './scheduler.service';

const plan = (
  deliveries: readonly SchedulableDelivery[],
  drones: readonly SchedulableDrone[],
  depots: readonly Location[] = DEPOTS,
) => planAssignments(deliveries, drones, depots, NOW);

const assigned = (p: ReturnType<typeof plan>): [string, string][] =>
  p.assignments.map((a) => [a.deliveryId, a.droneId]);

describe('routeMeters / batteryNeededPct', () => {
  it('flies to the pickup, to the drop-off, then home to the depot nearest the drop-off', () => {
    const d = schedulableDelivery({ pickup: ALEXANDERPLATZ, dropoff: KREUZBERG });
    const expected =
      distanceMeters(CHARLOTTENBURG, ALEXANDERPLATZ) +
      distanceMeters(ALEXANDERPLATZ, KREUZBERG) +
      distanceMeters(KREUZBERG, TEMPELHOF_DEPOT); // Tempelhof is nearer Kreuzberg than Wedding
    expect(distanceMeters(KREUZBERG, TEMPELHOF_DEPOT)).toBeLessThan(
      distanceMeters(KREUZBERG, WEDDING_DEPOT),
    );
    expect(routeMeters(CHARLOTTENBURG, d, DEPOTS)).toBeCloseTo(expected, 6);
    expect(routeMeters(CHARLOTTENBURG, d, [...DEPOTS].reverse())).toBeCloseTo(expected, 6);
  });

  it('without any depot the drone returns to the pickup point', () => {
    const d = schedulableDelivery({ pickup: ALEXANDERPLATZ, dropoff: KREUZBERG });
    expect(routeMeters(ALEXANDERPLATZ, d, [])).toBeCloseTo(
      2 * distanceMeters(ALEXANDERPLATZ, KREUZBERG),
      6,
    );
  });

  it.each([
    ['courier-2', 10_000, 32],
    ['hauler-5', 10_000, 45],
    ['courier-2', 0, 0],
    ['hauler-5', 2_500, 11.25],
  ] as const)('a %s flying %d m uses %d battery points', (model, meters, pct) => {
    expect(batteryNeededPct(DRONE_MODELS[model], meters)).toBeCloseTo(pct, 9);
  });
});

describe('planAssignments', () => {
  it('assigns a free drone with the ETA at the drop-off, route and battery cost', () => {
    const drone = schedulableDrone({ position: TEMPELHOF_DEPOT });
    const delivery = schedulableDelivery();
    const p = plan([delivery], [drone]);

    const toDropoff =
      distanceMeters(TEMPELHOF_DEPOT, delivery.pickup) +
      distanceMeters(delivery.pickup, delivery.dropoff);
    const eta = expectOk(etaFromDistance(toDropoff, COURIER.cruiseSpeedMps, NOW, 120));
    const meters = routeMeters(TEMPELHOF_DEPOT, delivery, DEPOTS);
    expect(p).toEqual({
      assignments: [
        {
          deliveryId: delivery.id,
          droneId: drone.id,
          eta,
          routeMeters: meters,
          batteryNeededPct: batteryNeededPct(COURIER, meters),
        },
      ],
      unassigned: [],
    });
    // Two stops, each with the model's handling time.
    expect(eta.arrivesAt - NOW).toBe(
      Math.trunc((toDropoff / COURIER.cruiseSpeedMps + 2 * COURIER.handlingSeconds) * 1000),
    );
  });

  it('an empty plan for no deliveries, and NO_DRONE_CAN_LIFT for no drones', () => {
    expect(plan([], [schedulableDrone()])).toEqual({ assignments: [], unassigned: [] });
    expect(plan([schedulableDelivery()], [])).toEqual({
      assignments: [],
      unassigned: [{ deliveryId: deliveryId(), reason: 'NO_DRONE_CAN_LIFT' }],
    });
  });

  it('picks the drone that would arrive soonest, not the first by id', () => {
    const far = schedulableDrone({ id: droneId(1), position: CHARLOTTENBURG });
    const near = schedulableDrone({ id: droneId(2), position: PRENZLAUER_BERG });
    expect(assigned(plan([schedulableDelivery()], [far, near]))).toEqual([['del-1', 'drone-2']]);
  });

  it('judges "soonest" by arrival, so a faster model can beat a nearer one', () => {
    const slowNear = schedulableDrone({
      id: droneId(1),
      model: { ...HAULER, cruiseSpeedMps: 2 },
      position: PRENZLAUER_BERG,
    });
    const fastFar = schedulableDrone({ id: droneId(2), position: CHARLOTTENBURG });
    expect(assigned(plan([schedulableDelivery()], [slowNear, fastFar]))).toEqual([
      ['del-1', 'drone-2'],
    ]);
  });

  it('respects the payload: a heavy parcel goes to the hauler even when a courier is nearer', () => {
    const courier = schedulableDrone({ id: droneId(1), position: ALEXANDERPLATZ });
    const hauler = schedulableDrone({ id: droneId(2), model: HAULER, position: CHARLOTTENBURG });
    const heavy = schedulableDelivery({ parcel: HEAVY_PARCEL });
    expect(assigned(plan([heavy], [courier, hauler]))).toEqual([['del-1', 'drone-2']]);
    expect(plan([heavy], [courier]).unassigned).toEqual([
      { deliveryId: deliveryId(), reason: 'NO_DRONE_CAN_LIFT' },
    ]);
  });

  it('a parcel of exactly the maximum payload can be lifted', () => {
    const model: DroneModel = { ...COURIER, maxPayloadGrams: SMALL_PARCEL.weightGrams };
    expect(assigned(plan([schedulableDelivery()], [schedulableDrone({ model })]))).toHaveLength(1);
  });

  describe('battery reserve', () => {
    const delivery = schedulableDelivery();
    const needed = batteryNeededPct(COURIER, routeMeters(TEMPELHOF_DEPOT, delivery, DEPOTS));

    it('assigns a drone that lands with exactly the reserve left', () => {
      const drone = schedulableDrone({ batteryPct: COURIER.reservePct + needed });
      const p = plan([delivery], [drone]);
      expect(assigned(p)).toEqual([['del-1', 'drone-1']]);
      expect(
        drone.batteryPct - (p.assignments[0]?.batteryNeededPct ?? Infinity),
      ).toBeGreaterThanOrEqual(COURIER.reservePct);
    });

    it('refuses a drone that would dip below the reserve', () => {
      const drone = schedulableDrone({ batteryPct: COURIER.reservePct + needed - 0.01 });
      expect(plan([delivery], [drone])).toEqual({
        assignments: [],
        unassigned: [{ deliveryId: delivery.id, reason: 'NO_DRONE_WITH_BATTERY' }],
      });
    });

    it('counts the return leg to the nearest depot', () => {
      // Enough for pickup and drop-off (and more), not for the flight home as well.
      const outbound = batteryNeededPct(
        COURIER,
        distanceMeters(TEMPELHOF_DEPOT, delivery.pickup) +
          distanceMeters(delivery.pickup, delivery.dropoff),
      );
      const returnLeg = batteryNeededPct(
        COURIER,
        distanceMeters(delivery.dropoff, TEMPELHOF_DEPOT),
      );
      const drone = schedulableDrone({ batteryPct: COURIER.reservePct + outbound + returnLeg / 2 });
      expect(plan([delivery], [drone]).unassigned).toEqual([
        { deliveryId: delivery.id, reason: 'NO_DRONE_WITH_BATTERY' },
      ]);
      // With a depot right at the drop-off there is no return leg: now it fits.
      expect(assigned(plan([delivery], [drone], [delivery.dropoff]))).toEqual([
        ['del-1', 'drone-1'],
      ]);
    });
  });

  it.each(['charging', 'in-flight', 'maintenance'] as const)(
    'skips a %s drone (NO_DRONE_FREE)',
    (status) => {
      expect(plan([schedulableDelivery()], [schedulableDrone({ status })]).unassigned).toEqual([
        { deliveryId: deliveryId(), reason: 'NO_DRONE_FREE' },
      ]);
    },
  );

  it.each(['idle', 'landed'] as const)('uses an %s drone', (status) => {
    expect(assigned(plan([schedulableDelivery()], [schedulableDrone({ status })]))).toHaveLength(1);
  });

  it('skips a drone already assigned to another delivery', () => {
    const busy = schedulableDrone({ id: droneId(1), assignedDeliveryId: deliveryId(99) });
    expect(plan([schedulableDelivery()], [busy]).unassigned).toEqual([
      { deliveryId: deliveryId(), reason: 'NO_DRONE_FREE' },
    ]);
    const free = schedulableDrone({ id: droneId(2), position: CHARLOTTENBURG });
    expect(assigned(plan([schedulableDelivery()], [busy, free]))).toEqual([['del-1', 'drone-2']]);
  });

  it('gives each drone at most one delivery, earliest window first', () => {
    const late = schedulableDelivery({ id: deliveryId(1), windowStart: at(3 * HOUR) });
    const early = schedulableDelivery({
      id: deliveryId(2),
      windowStart: at(HOUR),
      pickup: BRANDENBURG_GATE,
    });
    const p = plan([late, early], [schedulableDrone()]);
    expect(assigned(p)).toEqual([['del-2', 'drone-1']]);
    expect(p.unassigned).toEqual([{ deliveryId: deliveryId(1), reason: 'NO_DRONE_FREE' }]);
  });

  it('serves equal windows by delivery id', () => {
    const b = schedulableDelivery({ id: asId('Delivery', 'del-b') });
    const a = schedulableDelivery({ id: asId('Delivery', 'del-a') });
    expect(assigned(plan([b, a], [schedulableDrone()]))).toEqual([['del-a', 'drone-1']]);
  });

  it('breaks an arrival tie by drone id, whatever the input order', () => {
    const twins = [
      schedulableDrone({ id: asId('Drone', 'drone-b') }),
      schedulableDrone({ id: asId('Drone', 'drone-a') }),
    ];
    expect(assigned(plan([schedulableDelivery()], twins))).toEqual([['del-1', 'drone-a']]);
    expect(assigned(plan([schedulableDelivery()], [...twins].reverse()))).toEqual([
      ['del-1', 'drone-a'],
    ]);
  });

  describe('reasons for leaving a delivery unassigned', () => {
    const heavy = schedulableDelivery({ parcel: HEAVY_PARCEL });
    it.each([
      ['nobody can lift it', [schedulableDrone()], 'NO_DRONE_CAN_LIFT'],
      [
        'every drone that can lift it is busy',
        [
          schedulableDrone(),
          schedulableDrone({ id: droneId(2), model: HAULER, status: 'charging' }),
        ],
        'NO_DRONE_FREE',
      ],
      [
        'a free hauler lacks battery (and another is busy)',
        [
          schedulableDrone({ id: droneId(1), model: HAULER, status: 'maintenance' }),
          schedulableDrone({ id: droneId(2), model: HAULER, batteryPct: 26 }),
        ],
        'NO_DRONE_WITH_BATTERY',
      ],
      [
        'a free hauler lacks battery (listed before a busy one)',
        [
          schedulableDrone({ id: droneId(1), model: HAULER, batteryPct: 26 }),
          schedulableDrone({ id: droneId(2), model: HAULER, status: 'in-flight' }),
        ],
        'NO_DRONE_WITH_BATTERY',
      ],
    ] as const)('%s → %s', (_label, drones, reason) => {
      expect(plan([heavy], drones)).toEqual({
        assignments: [],
        unassigned: [{ deliveryId: heavy.id, reason }],
      });
    });
  });

  it('never assigns a drone whose model cannot estimate an arrival (zero speed)', () => {
    const broken = schedulableDrone({
      id: droneId(1),
      model: { ...COURIER, cruiseSpeedMps: 0 },
      position: ALEXANDERPLATZ,
    });
    const ok = schedulableDrone({ id: droneId(2), position: CHARLOTTENBURG });
    expect(assigned(plan([schedulableDelivery()], [broken, ok]))).toEqual([['del-1', 'drone-2']]);
    expect(plan([schedulableDelivery()], [broken]).assignments).toEqual([]);
  });
});

// ------------------------------------------------------------------ property

const MODELS = Object.values(DRONE_MODELS);
const STATUSES = ['idle', 'charging', 'in-flight', 'landed', 'maintenance'] as const;
/** Within about ±11 km of central Berlin. */
const nearBerlin = fc.record({
  lat: fc.double({ min: BERLIN.lat - 0.1, max: BERLIN.lat + 0.1, noNaN: true }),
  lng: fc.double({ min: BERLIN.lng - 0.15, max: BERLIN.lng + 0.15, noNaN: true }),
});

const dronesArb = fc
  .array(
    fc.record({
      model: fc.constantFrom(...MODELS),
      status: fc.constantFrom(...STATUSES),
      batteryPct: fc.double({ min: 0, max: 100, noNaN: true }),
      position: nearBerlin,
      busy: fc.boolean(),
    }),
    { maxLength: 8 },
  )
  .map((rows) =>
    rows.map((r, i): SchedulableDrone => ({
      id: droneId(i),
      model: r.model,
      status: r.status,
      batteryPct: r.batteryPct,
      position: r.position,
      assignedDeliveryId: r.busy ? deliveryId(1000 + i) : null,
    })),
  );

const deliveriesArb = fc
  .array(
    fc.record({
      weightGrams: fc.integer({ min: 1, max: 5000 }),
      pickup: nearBerlin,
      dropoff: nearBerlin,
      windowStartMin: fc.integer({ min: 0, max: 600 }),
    }),
    { maxLength: 8 },
  )
  .map((rows) =>
    rows.map((r, i): SchedulableDelivery => ({
      id: deliveryId(i),
      parcel: { ...SMALL_PARCEL, weightGrams: r.weightGrams },
      pickup: r.pickup,
      dropoff: r.dropoff,
      windowStart: at(r.windowStartMin * MINUTE),
    })),
  );

const depotsArb = fc.array(nearBerlin, { maxLength: 3 });

describe('planAssignments invariants (property, random fleets around Berlin)', () => {
  it('never double-books or over-draws a drone, and accounts for every delivery', () => {
    fc.assert(
      fc.property(deliveriesArb, dronesArb, depotsArb, (deliveries, drones, depots) => {
        const p = planAssignments(deliveries, drones, depots, NOW);
        const droneById = new Map(drones.map((d) => [d.id, d]));
        const deliveryById = new Map(deliveries.map((d) => [d.id, d]));

        // Never assigns a drone twice.
        const used = p.assignments.map((a) => a.droneId);
        expect(new Set(used).size).toBe(used.length);

        // Every delivery is either assigned or explained, exactly once.
        const seen = [
          ...p.assignments.map((a) => a.deliveryId),
          ...p.unassigned.map((u) => u.deliveryId),
        ];
        expect([...seen].sort()).toEqual(deliveries.map((d) => d.id).sort());

        for (const a of p.assignments) {
          const drone = droneById.get(a.droneId);
          const delivery = deliveryById.get(a.deliveryId);
          if (drone === undefined || delivery === undefined) throw new Error('unknown id in plan');
          // Never a non-free drone.
          expect(['idle', 'landed']).toContain(drone.status);
          expect(drone.assignedDeliveryId).toBeNull();
          // Payload fits.
          expect(delivery.parcel.weightGrams).toBeLessThanOrEqual(drone.model.maxPayloadGrams);
          // Battery after the whole route (including the way home) stays at or above the reserve.
          const meters = routeMeters(drone.position, delivery, depots);
          expect(a.routeMeters).toBe(meters);
          expect(drone.batteryPct - batteryNeededPct(drone.model, meters)).toBeGreaterThanOrEqual(
            drone.model.reservePct,
          );
          expect(a.eta.estimatedAt).toBe(NOW);
          expect(a.eta.arrivesAt).toBeGreaterThan(NOW);
        }
      }),
    );
  });

  it('is deterministic: the input order of drones and deliveries does not matter', () => {
    fc.assert(
      fc.property(
        deliveriesArb,
        dronesArb,
        depotsArb,
        fc.func(fc.integer()),
        (deliveries, drones, depots, rank) => {
          const shuffle = <T>(xs: readonly T[]): T[] =>
            xs
              .map((x, i) => ({ x, k: rank(i) }))
              .sort((a, b) => a.k - b.k)
              .map((e) => e.x);
          expect(planAssignments(shuffle(deliveries), shuffle(drones), depots, NOW)).toEqual(
            planAssignments(deliveries, drones, depots, NOW),
          );
        },
      ),
    );
  });

  it('a delivery is left unassigned only when no free, capable, charged drone remained (property)', () => {
    fc.assert(
      fc.property(deliveriesArb, dronesArb, depotsArb, (deliveries, drones, depots) => {
        const p = planAssignments(deliveries, drones, depots, NOW);
        const taken = new Set(p.assignments.map((a) => a.droneId));
        for (const u of p.unassigned) {
          const delivery = deliveries.find((d) => d.id === u.deliveryId);
          if (delivery === undefined) throw new Error('unknown delivery in plan');
          const couldServe = drones.filter(
            (d) =>
              !taken.has(d.id) &&
              d.assignedDeliveryId === null &&
              (d.status === 'idle' || d.status === 'landed') &&
              d.model.maxPayloadGrams >= delivery.parcel.weightGrams &&
              d.batteryPct - batteryNeededPct(d.model, routeMeters(d.position, delivery, depots)) >=
                d.model.reservePct,
          );
          expect(couldServe).toEqual([]);
        }
      }),
    );
  });
});
