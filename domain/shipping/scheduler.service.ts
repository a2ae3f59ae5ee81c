import {
  distanceMeters,
  etaFromDistance,
  type DeliveryId,
  type DroneId,
  type Eta,
  type Instant,
  type Location,
} from '../shared';
import type { DroneModel } from '../fleet';
import type { Parcel } from './parcel';

/** What the scheduler needs to know about a drone (a read model, not the aggregate). */
export interface SchedulableDrone {
  readonly id: DroneId;
  readonly model: DroneModel;
  readonly status: 'idle' | 'charging' | 'in-flight' | 'landed' | 'maintenance';
  readonly batteryPct: number;
  readonly position: Location;
  readonly assignedDeliveryId: DeliveryId | null;
}

export interface SchedulableDelivery {
  readonly id: DeliveryId;
  readonly parcel: Parcel;
  readonly pickup: Location;
  readonly dropoff: Location;
  /** Earlier windows are served first. */
  readonly windowStart: Instant;
}

export interface Assignment {
  readonly deliveryId: DeliveryId;
  readonly droneId: DroneId;
  /** Arrival at the drop-off point. */
  readonly eta: Eta;
  readonly routeMeters: number;
  readonly batteryNeededPct: number;
}

export type UnassignedReason = 'NO_DRONE_CAN_LIFT' | 'NO_DRONE_WITH_BATTERY' | 'NO_DRONE_FREE';

export interface SchedulePlan {
  readonly assignments: readonly Assignment[];
  readonly unassigned: readonly { deliveryId: DeliveryId; reason: UnassignedReason }[];
}

/**
 * The legs a drone flies for one delivery: to the pickup, to the drop-off, and
 * home to the depot nearest the drop-off (it must be able to land safely).
 */
export function routeMeters(
  from: Location,
  d: SchedulableDelivery,
  depots: readonly Location[],
): number {
  const home = nearest(d.dropoff, depots) ?? d.pickup;
  return (
    distanceMeters(from, d.pickup) +
    distanceMeters(d.pickup, d.dropoff) +
    distanceMeters(d.dropoff, home)
  );
}

/** Battery percentage points the route costs, by the model's consumption. */
export const batteryNeededPct = (model: DroneModel, meters: number): number =>
  (meters / 1000) * model.batteryPctPerKm;

const isFree = (d: SchedulableDrone): boolean =>
  d.assignedDeliveryId === null && (d.status === 'idle' || d.status === 'landed');

/**
 * Assigns drones to deliveries greedily, earliest window first, each to the free
 * drone that would arrive soonest. Invariants: one delivery per drone; a drone
 * is only assigned if it can lift the parcel and finish the whole route (including
 * the return to a depot) with at least its model's reserve battery left.
 * Deterministic: ties are broken by id, so desktop and server agree.
 */
export function planAssignments(
  deliveries: readonly SchedulableDelivery[],
  drones: readonly SchedulableDrone[],
  depots: readonly Location[],
  now: Instant,
): SchedulePlan {
  const taken = new Set<DroneId>();
  const assignments: Assignment[] = [];
  const unassigned: { deliveryId: DeliveryId; reason: UnassignedReason }[] = [];
  const ordered = [...deliveries].sort((a, b) => a.windowStart - b.windowStart || cmp(a.id, b.id));
  const candidates = [...drones].sort((a, b) => cmp(a.id, b.id));

  for (const delivery of ordered) {
    let best: { drone: SchedulableDrone; eta: Eta; meters: number; battery: number } | null = null;
    let reason: UnassignedReason = 'NO_DRONE_CAN_LIFT';
    for (const drone of candidates) {
      if (drone.model.maxPayloadGrams < delivery.parcel.weightGrams) continue;
      if (!isFree(drone) || taken.has(drone.id)) {
        if (reason === 'NO_DRONE_CAN_LIFT') reason = 'NO_DRONE_FREE';
        continue;
      }
      const meters = routeMeters(drone.position, delivery, depots);
      const battery = batteryNeededPct(drone.model, meters);
      if (drone.batteryPct - battery < drone.model.reservePct) {
        reason = 'NO_DRONE_WITH_BATTERY';
        continue;
      }
      const toDropoff =
        distanceMeters(drone.position, delivery.pickup) +
        distanceMeters(delivery.pickup, delivery.dropoff);
      // Two stops (pickup, drop-off), each with take-off/landing handling time.
      const eta = etaFromDistance(
        toDropoff,
        drone.model.cruiseSpeedMps,
        now,
        2 * drone.model.handlingSeconds,
      );
      if (!eta.ok) continue;
      if (best === null || eta.value.arrivesAt < best.eta.arrivesAt) {
        best = { drone, eta: eta.value, meters, battery };
      }
    }
    if (best === null) {
      unassigned.push({ deliveryId: delivery.id, reason });
      continue;
    }
    taken.add(best.drone.id);
    assignments.push({
      deliveryId: delivery.id,
      droneId: best.drone.id,
      eta: best.eta,
      routeMeters: best.meters,
      batteryNeededPct: best.battery,
    });
  }
  return { assignments, unassigned };
}

function nearest(point: Location, candidates: readonly Location[]): Location | undefined {
  let best: Location | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distanceMeters(point, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
