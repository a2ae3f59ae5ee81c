import { describe, expect, it } from 'vitest';
import {
  ALEXANDERPLATZ,
  CHARLOTTENBURG,
  DEPOTS,
  HAULER,
  HEAVY_PARCEL,
  NOW,
  TEMPELHOF_DEPOT,
  deliveryId,
  droneId,
  schedulableDelivery,
  schedulableDrone,
} from '../test-support/fixtures';
import { distanceMeters } from '../shared';
import { rankCandidates } from './dispatch-candidates';
import { planAssignments } from './scheduler.service';

describe('rankCandidates', () => {
  const delivery = schedulableDelivery();
  const near = schedulableDrone({ id: droneId(1), position: ALEXANDERPLATZ });
  const far = schedulableDrone({ id: droneId(2), position: CHARLOTTENBURG });
  const busy = schedulableDrone({ id: droneId(3), assignedDeliveryId: deliveryId(9) });
  const flat = schedulableDrone({ id: droneId(4), batteryPct: 10 });

  it('offers eligible drones first, soonest arrival first, then the others with the reason', () => {
    const ranked = rankCandidates(delivery, [flat, busy, far, near], DEPOTS, NOW);
    expect(ranked.map((c) => [c.droneId, c.eligible, c.reason])).toEqual([
      ['drone-1', true, null],
      ['drone-2', true, null],
      ['drone-3', false, 'NO_DRONE_FREE'],
      ['drone-4', false, 'NO_DRONE_WITH_BATTERY'],
    ]);
    const first = ranked[0];
    expect(first?.arrivesAt).toBeGreaterThan(NOW);
    expect(first?.distanceToPickupMeters).toBe(0);
    expect(ranked[3]?.arrivesAt).toBeNull();
    expect(ranked[3]?.batteryNeededPct).toBeGreaterThan(10 - (ranked[3]?.reservePct ?? 0));
  });

  it('reports a parcel too heavy for the model', () => {
    const heavy = schedulableDelivery({ parcel: HEAVY_PARCEL });
    const [courier, hauler] = rankCandidates(
      heavy,
      [near, schedulableDrone({ id: droneId(5), model: HAULER, position: TEMPELHOF_DEPOT })],
      DEPOTS,
      NOW,
    ).sort((a, b) => (a.droneId < b.droneId ? -1 : 1));
    expect(courier).toMatchObject({ eligible: false, reason: 'NO_DRONE_CAN_LIFT' });
    expect(hauler).toMatchObject({ eligible: true, modelName: HAULER.name });
  });

  it('agrees with planAssignments for every drone (the rule the server applies)', () => {
    for (const drone of [near, far, busy, flat]) {
      const [c] = rankCandidates(delivery, [drone], DEPOTS, NOW);
      const plan = planAssignments([delivery], [drone], DEPOTS, NOW);
      expect(c?.eligible).toBe(plan.assignments.length === 1);
      expect(c?.arrivesAt ?? null).toBe(plan.assignments[0]?.eta.arrivesAt ?? null);
      expect(c?.distanceToPickupMeters).toBeCloseTo(distanceMeters(drone.position, ALEXANDERPLATZ));
    }
  });
});
