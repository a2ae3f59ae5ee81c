import { distanceMeters, type DroneId, type Instant, type Location } from '../shared';
import {
  batteryNeededPct,
  planAssignments,
  routeMeters,
  type SchedulableDelivery,
  type SchedulableDrone,
  type UnassignedReason,
} from './scheduler.service';

/** One drone as a fleet manager weighs it for one delivery. */
export interface DroneCandidate {
  readonly droneId: DroneId;
  readonly modelName: string;
  /** The scheduler would accept this drone for this delivery now (the server runs the same rule). */
  readonly eligible: boolean;
  /** Why not, when not eligible. */
  readonly reason: UnassignedReason | null;
  readonly batteryPct: number;
  /** Battery the whole route costs: to the pickup, the drop-off, and home to the nearest depot. */
  readonly batteryNeededPct: number;
  readonly reservePct: number;
  readonly maxPayloadGrams: number;
  /** Straight line from the drone to the pickup. */
  readonly distanceToPickupMeters: number;
  readonly routeMeters: number;
  /** Arrival at the drop-off if assigned now; null when not eligible. */
  readonly arrivesAt: Instant | null;
}

/**
 * Every drone ranked for one delivery. Eligibility comes from `planAssignments` itself (the
 * rule the server's assignDrone handler applies), one drone at a time, so what the desk offers
 * is what the server accepts for the same replica state. Eligible drones first by arrival, then
 * the rest by distance; ties by id, so every desk shows the same order.
 */
export function rankCandidates(
  delivery: SchedulableDelivery,
  drones: readonly SchedulableDrone[],
  depots: readonly Location[],
  now: Instant,
): DroneCandidate[] {
  const ranked = drones.map((drone): DroneCandidate => {
    const plan = planAssignments([delivery], [drone], depots, now);
    const assignment = plan.assignments[0];
    const meters = routeMeters(drone.position, delivery, depots);
    return {
      droneId: drone.id,
      modelName: drone.model.name,
      eligible: assignment !== undefined,
      reason: assignment ? null : (plan.unassigned[0]?.reason ?? 'NO_DRONE_FREE'),
      batteryPct: drone.batteryPct,
      batteryNeededPct: batteryNeededPct(drone.model, meters),
      reservePct: drone.model.reservePct,
      maxPayloadGrams: drone.model.maxPayloadGrams,
      distanceToPickupMeters: distanceMeters(drone.position, delivery.pickup),
      routeMeters: meters,
      arrivesAt: assignment ? assignment.eta.arrivesAt : null,
    };
  });
  return ranked.sort(
    (a, b) =>
      Number(b.eligible) - Number(a.eligible) ||
      (a.arrivesAt ?? 0) - (b.arrivesAt ?? 0) ||
      a.distanceToPickupMeters - b.distanceToPickupMeters ||
      (a.droneId < b.droneId ? -1 : a.droneId > b.droneId ? 1 : 0),
  );
}
