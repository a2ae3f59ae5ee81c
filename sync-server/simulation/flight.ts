import type { DroneModel } from '../../domain/fleet';
import { bearingDegrees, distanceMeters, interpolate, type Location } from '../../domain/shared';

export type FlightLeg = 'to-pickup' | 'to-dropoff' | 'to-depot';

/** One straight leg a simulated drone is flying, at its model's cruise speed. */
export interface Flight {
  readonly leg: FlightLeg;
  readonly from: Location;
  readonly to: Location;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly startBatteryPct: number;
  readonly deliveryId: string | null;
}

export function startFlight(
  leg: FlightLeg,
  from: Location,
  to: Location,
  model: DroneModel,
  at: number,
  batteryPct: number,
  deliveryId: string | null,
): Flight {
  const meters = distanceMeters(from, to);
  return {
    leg,
    from,
    to,
    startedAt: at,
    durationMs: (meters / model.cruiseSpeedMps) * 1000,
    startBatteryPct: batteryPct,
    deliveryId,
  };
}

export interface FlightPosition {
  readonly location: Location;
  readonly headingDeg: number;
  readonly speedMps: number;
  readonly batteryPct: number;
  readonly arrived: boolean;
}

/** Where the drone is at `now` on its leg, and how much battery the flown distance used. */
export function positionAt(flight: Flight, model: DroneModel, now: number): FlightPosition {
  const t = flight.durationMs <= 0 ? 1 : Math.min(1, (now - flight.startedAt) / flight.durationMs);
  const flownKm = (distanceMeters(flight.from, flight.to) * t) / 1000;
  return {
    location: interpolate(flight.from, flight.to, t),
    headingDeg: Math.round(bearingDegrees(flight.from, flight.to)) % 360,
    speedMps: t >= 1 ? 0 : model.cruiseSpeedMps,
    batteryPct: Math.max(
      0,
      Math.round((flight.startBatteryPct - flownKm * model.batteryPctPerKm) * 10) / 10,
    ),
    arrived: t >= 1,
  };
}
