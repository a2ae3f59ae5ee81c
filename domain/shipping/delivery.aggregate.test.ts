import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALEXANDERPLATZ,
  DAY,
  HOUR,
  KREUZBERG,
  MINUTE,
  NOW,
  SMALL_PARCEL,
  WINDOW,
  at,
  customerId,
  deliveryId,
  deliveryIn,
  droneId,
  failure,
  newDelivery,
  outcome,
  sampleEta,
} from '../test-support/fixtures';
import {
  EARTH_RADIUS_M,
  distanceMeters,
  instant,
  type Instant,
  type Location,
  type Result,
  type TimeWindow,
} from '../shared';
import { DELIVERY_STAGES, isTerminal, type DeliveryStage } from './delivery-stage';
import { Delivery, MAX_WINDOW_MS, MIN_ROUTE_METERS, MIN_WINDOW_MS } from './delivery.aggregate';
import type { DeliveryEventType } from './delivery.events';

/** A point the given number of metres due north of `from`. */
const north = (from: Location, meters: number): Location => ({
  lat: from.lat + (meters / EARTH_RADIUS_M) * (180 / Math.PI),
  lng: from.lng,
});

const T = at(30 * MINUTE);
const NEW_WINDOW: TimeWindow = { start: at(DAY), end: at(DAY + 2 * HOUR) };

const ACTIONS = {
  schedule: (d: Delivery) => d.schedule(droneId(2), sampleEta(20 * MINUTE, T), T),
  dispatch: (d: Delivery) => d.dispatch(T),
  pickUp: (d: Delivery) => d.pickUp(T),
  headToDropoff: (d: Delivery) => d.headToDropoff(sampleEta(10 * MINUTE, T), T),
  complete: (d: Delivery) => d.complete(T),
  fail: (d: Delivery) => d.fail('Rotor fault', T),
  cancel: (d: Delivery) => d.cancel('customer-request', T),
  reschedule: (d: Delivery) => d.reschedule(NEW_WINDOW, T),
  updateEta: (d: Delivery) => d.updateEta(sampleEta(5 * MINUTE, T), T),
  reassign: (d: Delivery) => d.reassign(droneId(3), sampleEta(15 * MINUTE, T), T),
} satisfies Record<string, (d: Delivery) => Result<unknown>>;
type Action = keyof typeof ACTIONS;
const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

const EVENT_OF: Record<Action, DeliveryEventType> = {
  schedule: 'DeliveryScheduled',
  dispatch: 'DeliveryDispatched',
  pickUp: 'DeliveryPickedUp',
  headToDropoff: 'DeliveryHeadedToDropoff',
  complete: 'DeliveryCompleted',
  fail: 'DeliveryFailed',
  cancel: 'DeliveryCancelled',
  reschedule: 'DeliveryRescheduled',
  updateEta: 'DeliveryEtaUpdated',
  reassign: 'DeliveryReassigned',
};

const BAD = 'DELIVERY.INVALID_STAGE';
const ENDED = 'DELIVERY.ALREADY_ENDED';
const PICKED = 'DELIVERY.ALREADY_PICKED_UP';
const CANCELLED = 'DELIVERY.ALREADY_CANCELLED';
const GROUNDED = 'DELIVERY.NOT_IN_FLIGHT';
const NO_DRONE = 'DELIVERY.NO_DRONE';
const LEFT = 'DELIVERY.DRONE_LEFT';

/**
 * Stage × action → the stage it leads to, or the error code. Columns in the order of
 * ACTIONS: schedule, dispatch, pickUp, headToDropoff, complete, fail, cancel, reschedule, updateEta,
 * reassign.
 */
const EXPECTED: Record<DeliveryStage, readonly string[]> = {
  created: ['scheduled', BAD, BAD, BAD, BAD, 'failed', 'cancelled', 'created', GROUNDED, NO_DRONE],
  scheduled: [
    BAD,
    'en-route-to-pickup',
    BAD,
    BAD,
    BAD,
    'failed',
    'cancelled',
    'created',
    'scheduled',
    'scheduled',
  ],
  'en-route-to-pickup': [
    BAD,
    BAD,
    'picked-up',
    BAD,
    BAD,
    'failed',
    'cancelled',
    'created',
    'en-route-to-pickup',
    LEFT,
  ],
  'picked-up': [
    BAD,
    BAD,
    BAD,
    'headed-to-dropoff',
    BAD,
    'failed',
    PICKED,
    PICKED,
    'picked-up',
    LEFT,
  ],
  'headed-to-dropoff': [
    BAD,
    BAD,
    BAD,
    BAD,
    'completed',
    'failed',
    PICKED,
    PICKED,
    'headed-to-dropoff',
    LEFT,
  ],
  completed: [ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, GROUNDED, ENDED],
  cancelled: [ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, CANCELLED, CANCELLED, GROUNDED, ENDED],
  failed: [ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, ENDED, GROUNDED, ENDED],
};

const TRANSITIONS = DELIVERY_STAGES.flatMap((stage) =>
  ACTION_NAMES.map((action, i) => [stage, action, EXPECTED[stage][i] ?? '?'] as const),
);

describe('Delivery.create', () => {
  it('creates an unassigned delivery at version 1 and records DeliveryCreated', () => {
    const d = newDelivery();
    expect(d.toSnapshot()).toEqual({
      id: deliveryId(),
      customerId: customerId(),
      parcel: SMALL_PARCEL,
      pickup: ALEXANDERPLATZ,
      dropoff: KREUZBERG,
      window: WINDOW,
      stage: 'created',
      droneId: null,
      eta: null,
      version: 1,
      updatedAt: NOW,
    });
    expect([d.id, d.stage, d.version]).toEqual([deliveryId(), 'created', 1]);
    expect(d.pullEvents()).toEqual([
      {
        type: 'DeliveryCreated',
        version: 1,
        aggregateId: 'del-1',
        aggregateVersion: 1,
        occurredAt: NOW,
        data: {
          customerId: customerId(),
          parcel: SMALL_PARCEL,
          pickup: ALEXANDERPLATZ,
          dropoff: KREUZBERG,
          window: WINDOW,
        },
      },
    ]);
  });

  const create = (patch: { pickup?: Location; dropoff?: Location; window?: TimeWindow }) =>
    Delivery.create(
      {
        id: deliveryId(),
        customerId: customerId(),
        parcel: SMALL_PARCEL,
        pickup: ALEXANDERPLATZ,
        dropoff: KREUZBERG,
        window: WINDOW,
        ...patch,
      },
      NOW,
    );

  it.each([
    ['the same point twice', 0, 'DELIVERY.ROUTE_TOO_SHORT'],
    ['points 49.9 m apart', MIN_ROUTE_METERS - 0.1, 'DELIVERY.ROUTE_TOO_SHORT'],
    ['points 50.1 m apart', MIN_ROUTE_METERS + 0.1, 'ok'],
  ])('route: %s → %s', (_label, meters, expected) => {
    const dropoff = north(ALEXANDERPLATZ, meters);
    expect(Math.abs(distanceMeters(ALEXANDERPLATZ, dropoff) - meters)).toBeLessThan(0.01);
    expect(outcome(create({ dropoff }))).toBe(expected);
  });

  it.each([
    ['exactly 15 minutes', NOW, MIN_WINDOW_MS, 'ok'],
    ['one millisecond under 15 minutes', NOW, MIN_WINDOW_MS - 1, 'DELIVERY.INVALID_WINDOW'],
    ['exactly 14 days', NOW, MAX_WINDOW_MS, 'ok'],
    ['one millisecond over 14 days', NOW, MAX_WINDOW_MS + 1, 'DELIVERY.INVALID_WINDOW'],
    ['ending before it starts', at(2 * HOUR), -HOUR, 'DELIVERY.INVALID_WINDOW'],
    ['empty', at(HOUR), 0, 'DELIVERY.INVALID_WINDOW'],
    ['ending exactly now', instant(NOW - HOUR), HOUR, 'DELIVERY.WINDOW_IN_PAST'],
    ['over yesterday', instant(NOW - DAY), HOUR, 'DELIVERY.WINDOW_IN_PAST'],
    ['already started but not over', instant(NOW - HOUR), HOUR + 1, 'ok'],
  ])('window %s → %s', (_label, start, length, expected) => {
    expect(outcome(create({ window: { start, end: instant(start + length) } }))).toBe(expected);
  });

  it('refuses a window with a NaN end', () => {
    const window = { start: NOW, end: Number.NaN as Instant };
    expect(outcome(create({ window }))).toBe('DELIVERY.INVALID_WINDOW');
  });

  it('checks the route before the window and explains the window rule', () => {
    const bad = { start: NOW, end: NOW };
    expect(outcome(create({ dropoff: ALEXANDERPLATZ, window: bad }))).toBe(
      'DELIVERY.ROUTE_TOO_SHORT',
    );
    expect(failure(create({ window: bad })).message).toBe(
      'A delivery window must be between 15 minutes and 14 days long.',
    );
  });
});

describe('Delivery stage transitions (every stage × every action)', () => {
  it.each(TRANSITIONS)('%s + %s → %s', (stage, action, expected) => {
    const d = deliveryIn(stage);
    d.pullEvents();
    const before = d.toSnapshot();
    const result = ACTIONS[action](d);

    if (expected.startsWith('DELIVERY.')) {
      expect(outcome(result)).toBe(expected);
      expect(d.toSnapshot()).toBe(before); // nothing changed, not even the version
      expect(d.pullEvents()).toEqual([]);
      return;
    }
    expect(outcome(result)).toBe('ok');
    expect(d.stage).toBe(expected);
    expect(d.version).toBe(before.version + 1);
    expect(d.toSnapshot().updatedAt).toBe(T);
    const events = d.pullEvents();
    expect(events.map((e) => [e.type, e.aggregateVersion, e.occurredAt])).toEqual([
      [EVENT_OF[action], before.version + 1, T],
    ]);
  });

  it('the fixture builder really reaches each stage', () => {
    expect(DELIVERY_STAGES.map((s) => deliveryIn(s).stage)).toEqual([...DELIVERY_STAGES]);
  });

  it.each([
    ['created', 'dispatch', 'This delivery is created and cannot be marked en route to pickup.'],
    ['scheduled', 'complete', 'This delivery is scheduled and cannot be marked completed.'],
    ['picked-up', 'schedule', 'This delivery is picked up and cannot be marked scheduled.'],
    ['completed', 'fail', 'This delivery has already been completed.'],
    ['cancelled', 'dispatch', 'This delivery has already been cancelled.'],
    ['failed', 'cancel', 'This delivery has already failed.'],
    ['cancelled', 'cancel', 'This delivery has already been cancelled.'],
    [
      'picked-up',
      'cancel',
      'The parcel has already been picked up, so the delivery can no longer be cancelled.',
    ],
    [
      'headed-to-dropoff',
      'reschedule',
      'The parcel has already been picked up, so the delivery can no longer be rescheduled.',
    ],
    ['completed', 'updateEta', 'This delivery has no drone on the way.'],
  ] as const)('%s + %s explains: %s', (stage, action, message) => {
    expect(failure(ACTIONS[action](deliveryIn(stage))).message).toBe(message);
  });
});

describe('Delivery lifecycle', () => {
  it('records one event per change, with strictly increasing aggregate versions', () => {
    const d = deliveryIn('completed');
    const events = d.pullEvents();
    expect(events.map((e) => e.type)).toEqual([
      'DeliveryCreated',
      'DeliveryScheduled',
      'DeliveryDispatched',
      'DeliveryPickedUp',
      'DeliveryHeadedToDropoff',
      'DeliveryCompleted',
    ]);
    expect(events.map((e) => e.aggregateVersion)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.aggregateId === 'del-1' && e.version === 1)).toBe(true);
    expect(d.version).toBe(6);
    expect(d.pullEvents()).toEqual([]);
  });

  it('schedule assigns the drone and its ETA', () => {
    const d = newDelivery();
    d.pullEvents();
    const eta = sampleEta();
    expect(outcome(d.schedule(droneId(7), eta, at(MINUTE)))).toBe('ok');
    expect(d.toSnapshot()).toMatchObject({ stage: 'scheduled', droneId: 'drone-7', eta });
    expect(d.pullEvents()[0]?.data).toEqual({ droneId: 'drone-7', eta });
  });

  it('dispatch, pick-up and completion name the drone in their events', () => {
    const d = deliveryIn('completed');
    const named = d
      .pullEvents()
      .filter((e) =>
        ['DeliveryDispatched', 'DeliveryPickedUp', 'DeliveryCompleted'].includes(e.type),
      )
      .map((e) => e.data);
    expect(named).toEqual([{ droneId: 'drone-1' }, { droneId: 'drone-1' }, { droneId: 'drone-1' }]);
  });

  it('headToDropoff replaces the ETA with the one for the drop-off leg', () => {
    const d = deliveryIn('picked-up');
    const eta = sampleEta(12 * MINUTE, T);
    expect(outcome(d.headToDropoff(eta, T))).toBe('ok');
    expect(d.toSnapshot().eta).toEqual(eta);
  });

  it('completion keeps the drone and ETA on the record', () => {
    const snap = deliveryIn('completed').toSnapshot();
    expect(snap.droneId).toBe('drone-1');
    expect(snap.eta).not.toBeNull();
  });

  it.each([
    ['created', null],
    ['scheduled', 'drone-1'],
    ['headed-to-dropoff', 'drone-1'],
  ] as const)('fail from %s records the reason and the drone (%s)', (stage, drone) => {
    const d = deliveryIn(stage);
    d.pullEvents();
    expect(outcome(d.fail('Lost GPS', T))).toBe('ok');
    expect(d.pullEvents()[0]?.data).toEqual({ reason: 'Lost GPS', droneId: drone });
  });
});

describe('Delivery cancel and reschedule (only before pickup; they release the drone)', () => {
  it.each([
    ['created', null],
    ['scheduled', 'drone-1'],
    ['en-route-to-pickup', 'drone-1'],
  ] as const)('cancel from %s releases %s', (stage, released) => {
    const d = deliveryIn(stage);
    d.pullEvents();
    expect(d.cancel('payment-failed', T)).toEqual({
      ok: true,
      value: { releasedDroneId: released },
    });
    expect(d.toSnapshot()).toMatchObject({ stage: 'cancelled', droneId: null, eta: null });
    expect(d.pullEvents()[0]?.data).toEqual({
      reason: 'payment-failed',
      releasedDroneId: released,
    });
  });

  it.each([
    ['created', null],
    ['scheduled', 'drone-1'],
    ['en-route-to-pickup', 'drone-1'],
  ] as const)(
    'reschedule from %s goes back to created with the new window, releasing %s',
    (stage, released) => {
      const d = deliveryIn(stage);
      d.pullEvents();
      expect(d.reschedule(NEW_WINDOW, T)).toEqual({
        ok: true,
        value: { releasedDroneId: released },
      });
      expect(d.toSnapshot()).toMatchObject({
        stage: 'created',
        window: NEW_WINDOW,
        droneId: null,
        eta: null,
      });
      expect(d.pullEvents()[0]?.data).toEqual({ window: NEW_WINDOW, releasedDroneId: released });
    },
  );

  it('a rescheduled delivery can be scheduled again, on another drone', () => {
    const d = deliveryIn('scheduled');
    expect(outcome(d.reschedule(NEW_WINDOW, T))).toBe('ok');
    expect(outcome(d.schedule(droneId(3), sampleEta(HOUR, T), T))).toBe('ok');
    expect(d.toSnapshot().droneId).toBe('drone-3');
  });

  it.each([
    ['too short', { start: at(DAY), end: at(DAY + MIN_WINDOW_MS - 1) }, 'DELIVERY.INVALID_WINDOW'],
    ['too long', { start: at(DAY), end: at(DAY + MAX_WINDOW_MS + 1) }, 'DELIVERY.INVALID_WINDOW'],
    [
      'already over at the time of the request',
      { start: at(0), end: T },
      'DELIVERY.WINDOW_IN_PAST',
    ],
  ])('reschedule to a window that is %s is refused and changes nothing', (_label, window, code) => {
    const d = deliveryIn('scheduled');
    d.pullEvents();
    const before = d.toSnapshot();
    expect(outcome(d.reschedule(window, T))).toBe(code);
    expect(d.toSnapshot()).toBe(before);
    expect(d.pullEvents()).toEqual([]);
  });

  it('after pickup the stage is refused before the window is even looked at', () => {
    const bad = { start: at(0), end: at(0) };
    expect(outcome(deliveryIn('picked-up').reschedule(bad, T))).toBe(PICKED);
  });
});

describe('Delivery.reassign (only while scheduled; it names the drone it released)', () => {
  it('moves a scheduled delivery to another drone with its new ETA', () => {
    const d = deliveryIn('scheduled');
    d.pullEvents();
    const eta = sampleEta(12 * MINUTE, T);
    expect(d.reassign(droneId(9), eta, T)).toEqual({
      ok: true,
      value: { releasedDroneId: 'drone-1' },
    });
    expect(d.toSnapshot()).toMatchObject({ stage: 'scheduled', droneId: 'drone-9', eta });
    expect(d.pullEvents().map((e) => [e.type, e.data])).toEqual([
      ['DeliveryReassigned', { droneId: 'drone-9', eta, releasedDroneId: 'drone-1' }],
    ]);
  });

  it('refuses once the drone has left, and says why', () => {
    const d = deliveryIn('en-route-to-pickup');
    expect(failure(d.reassign(droneId(9), sampleEta(), T))).toEqual({
      code: 'DELIVERY.DRONE_LEFT',
      message:
        'Its drone has already left (the delivery is en route to pickup), so it can no longer be reassigned.',
    });
    expect(d.toSnapshot().droneId).toBe('drone-1');
  });

  it('refuses the drone it already has, and a delivery without a drone', () => {
    expect(outcome(deliveryIn('scheduled').reassign(droneId(1), sampleEta(), T))).toBe(
      'DELIVERY.SAME_DRONE',
    );
    expect(outcome(newDelivery().reassign(droneId(1), sampleEta(), T))).toBe('DELIVERY.NO_DRONE');
  });
});

describe('Delivery.updateEta', () => {
  it('replaces the ETA of an active delivery with a drone', () => {
    const d = deliveryIn('en-route-to-pickup');
    d.pullEvents();
    const eta = sampleEta(3 * MINUTE, T);
    expect(outcome(d.updateEta(eta, T))).toBe('ok');
    expect(d.toSnapshot().eta).toEqual(eta);
    expect(d.pullEvents().map((e) => [e.type, e.data])).toEqual([['DeliveryEtaUpdated', { eta }]]);
  });

  it.each(['created', 'completed', 'cancelled', 'failed'] as const)(
    'is refused for a %s delivery',
    (stage) => {
      expect(outcome(deliveryIn(stage).updateEta(sampleEta(), T))).toBe(GROUNDED);
    },
  );
});

describe('Delivery snapshots', () => {
  it('round-trips through toSnapshot/fromSnapshot', () => {
    const snap = deliveryIn('picked-up').toSnapshot();
    const restored = Delivery.fromSnapshot(snap);
    expect(restored.toSnapshot()).toEqual(snap);
    expect(restored.pullEvents()).toEqual([]);
    expect(outcome(ACTIONS.headToDropoff(restored))).toBe('ok');
  });

  it.each([
    ['scheduled', 'dispatch'],
    ['en-route-to-pickup', 'pickUp'],
    ['headed-to-dropoff', 'complete'],
  ] as const)('a %s record without a drone refuses %s with DELIVERY.NO_DRONE', (stage, action) => {
    const broken = Delivery.fromSnapshot({ ...deliveryIn(stage).toSnapshot(), droneId: null });
    expect(outcome(ACTIONS[action](broken))).toBe('DELIVERY.NO_DRONE');
    expect(broken.stage).toBe(stage);
  });
});

describe('Delivery invariants under random action sequences (property)', () => {
  it('versions and events move together, ended deliveries never change, drones follow the stage', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ACTION_NAMES), { maxLength: 25 }), (actions) => {
        const d = newDelivery();
        d.pullEvents();
        for (const action of actions) {
          const before = d.toSnapshot();
          const result = ACTIONS[action](d);
          const events = d.pullEvents();
          if (result.ok) {
            expect(d.version).toBe(before.version + 1);
            expect(events.map((e) => e.aggregateVersion)).toEqual([d.version]);
            expect(isTerminal(before.stage)).toBe(false);
          } else {
            expect(d.toSnapshot()).toBe(before);
            expect(events).toEqual([]);
          }
          const s = d.toSnapshot();
          if (['created', 'cancelled'].includes(s.stage)) {
            expect([s.droneId, s.eta]).toEqual([null, null]);
          }
          if (!isTerminal(s.stage) && s.stage !== 'created') expect(s.droneId).not.toBeNull();
        }
      }),
    );
  });
});
