import {
  AggregateRoot,
  err,
  location as parseLocation,
  ok,
  type DeliveryId,
  type DomainEvent,
  type DroneId,
  type Instant,
  type Location,
  type Result,
} from '../shared';
import type { DroneModel } from './drone-model';

export const DRONE_STATUSES = ['idle', 'charging', 'in-flight', 'landed', 'maintenance'] as const;
export type DroneStatus = (typeof DRONE_STATUSES)[number];

/** Each status as operators read it, the same on every screen (map legend, region summary). */
export const DRONE_STATUS_NAME: Readonly<Record<DroneStatus, string>> = {
  idle: 'Idle',
  charging: 'Charging',
  'in-flight': 'In flight',
  landed: 'Landed',
  maintenance: 'Maintenance',
};

/** One telemetry fix. */
export interface DroneFix {
  readonly location: Location;
  /** Degrees clockwise from north, [0, 360). */
  readonly headingDeg: number;
  readonly speedMps: number;
  readonly batteryPct: number;
  readonly at: Instant;
}

export type Staleness = 'fresh' | 'late' | 'lost' | 'never-reported';

export interface DroneSnapshot {
  readonly id: DroneId;
  readonly model: DroneModel;
  readonly status: DroneStatus;
  readonly batteryPct: number;
  readonly lastFix: DroneFix | null;
  readonly assignedDeliveryId: DeliveryId | null;
  readonly version: number;
}

export type DroneEvent =
  | DomainEvent<'DroneStatusChanged', { from: DroneStatus; to: DroneStatus }>
  | DomainEvent<'DroneAssigned', { deliveryId: DeliveryId }>
  | DomainEvent<'DroneReleased', { deliveryId: DeliveryId }>;

// Who may follow whom. Maintenance can be entered from anywhere (a fault grounds
// a drone wherever it is) but only left back to idle, after inspection.
const TRANSITIONS: Readonly<Record<DroneStatus, readonly DroneStatus[]>> = {
  idle: ['in-flight', 'charging', 'maintenance'],
  charging: ['idle', 'maintenance'],
  'in-flight': ['landed', 'maintenance'],
  landed: ['in-flight', 'idle', 'charging', 'maintenance'],
  maintenance: ['idle'],
};

/** A fix older than this many report intervals makes a drone "late" on the map… */
export const LATE_AFTER_INTERVALS = 3;
/** …and older than this many, "lost" (an alert for the fleet manager). */
export const LOST_AFTER_INTERVALS = 10;

export class Drone extends AggregateRoot<DroneEvent> {
  private constructor(private state: DroneSnapshot) {
    super();
  }

  static create(input: { id: DroneId; model: DroneModel; batteryPct: number }): Result<Drone> {
    if (!validBattery(input.batteryPct)) {
      return err('DRONE.INVALID_BATTERY', 'Battery level must be between 0 and 100 percent.');
    }
    return ok(
      new Drone({
        id: input.id,
        model: input.model,
        status: 'idle',
        batteryPct: input.batteryPct,
        lastFix: null,
        assignedDeliveryId: null,
        version: 1,
      }),
    );
  }

  static fromSnapshot(snapshot: DroneSnapshot): Drone {
    return new Drone(snapshot);
  }

  toSnapshot(): DroneSnapshot {
    return this.state;
  }

  protected get identity(): { id: string; version: number } {
    return this.state;
  }

  get id(): DroneId {
    return this.state.id;
  }

  /** Invariant: status changes follow TRANSITIONS; no take-off below the model's reserve. */
  changeStatus(to: DroneStatus, at: Instant): Result<void> {
    const from = this.state.status;
    if (!TRANSITIONS[from].includes(to)) {
      return err('DRONE.INVALID_TRANSITION', `A drone that is ${from} cannot become ${to}.`);
    }
    if (to === 'in-flight' && this.state.batteryPct <= this.state.model.reservePct) {
      return err('DRONE.BATTERY_TOO_LOW', 'The drone does not have enough battery to take off.');
    }
    this.bump({ status: to });
    this.emit('DroneStatusChanged', at, { from, to });
    return ok(undefined);
  }

  /**
   * Records a telemetry fix. Invariant: fixes are applied in time order — an
   * older or duplicate fix (network reordering, replays) is ignored, not an error.
   * Returns whether the fix was applied.
   */
  recordFix(fix: DroneFix): Result<boolean> {
    const loc = parseLocation(fix.location.lat, fix.location.lng);
    if (!loc.ok) return loc;
    if (!validBattery(fix.batteryPct)) {
      return err('DRONE.INVALID_BATTERY', 'Battery level must be between 0 and 100 percent.');
    }
    if (!(fix.speedMps >= 0) || !Number.isFinite(fix.speedMps)) {
      return err('DRONE.INVALID_FIX', 'A telemetry fix needs a non-negative speed.');
    }
    if (!(fix.headingDeg >= 0 && fix.headingDeg < 360)) {
      return err('DRONE.INVALID_FIX', 'A telemetry heading must be within 0–360 degrees.');
    }
    const last = this.state.lastFix;
    if (last && fix.at <= last.at) return ok(false);
    // Fixes are high-rate and not versioned: they do not bump the aggregate version.
    this.state = { ...this.state, lastFix: fix, batteryPct: fix.batteryPct };
    return ok(true);
  }

  /** Staleness of the last fix, judged against this drone's own report interval. */
  staleness(now: Instant): Staleness {
    const fix = this.state.lastFix;
    if (!fix) return 'never-reported';
    return stalenessOf(now - fix.at, this.state.model.reportIntervalMs);
  }

  /** Invariant: one delivery per drone; only an idle or landed drone can be assigned. */
  assign(deliveryId: DeliveryId, at: Instant): Result<void> {
    if (this.state.assignedDeliveryId !== null) {
      return err('DRONE.ALREADY_ASSIGNED', 'That drone is already assigned to another delivery.');
    }
    if (this.state.status !== 'idle' && this.state.status !== 'landed') {
      return err(
        'DRONE.NOT_AVAILABLE',
        `That drone is ${this.state.status} and cannot take a delivery.`,
      );
    }
    this.bump({ assignedDeliveryId: deliveryId });
    this.emit('DroneAssigned', at, { deliveryId });
    return ok(undefined);
  }

  /** Frees the drone from its delivery (completed, cancelled or rescheduled). */
  release(at: Instant): Result<void> {
    const deliveryId = this.state.assignedDeliveryId;
    if (deliveryId === null) return err('DRONE.NOT_ASSIGNED', 'That drone has no delivery.');
    this.bump({ assignedDeliveryId: null });
    this.emit('DroneReleased', at, { deliveryId });
    return ok(undefined);
  }

  private bump(patch: Partial<DroneSnapshot>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
  }
}

/** Staleness from a fix age, shared by the aggregate and by read models (map, alerts). */
export function stalenessOf(
  ageMs: number,
  reportIntervalMs: number,
): Exclude<Staleness, 'never-reported'> {
  if (ageMs > reportIntervalMs * LOST_AFTER_INTERVALS) return 'lost';
  if (ageMs > reportIntervalMs * LATE_AFTER_INTERVALS) return 'late';
  return 'fresh';
}

const validBattery = (pct: number): boolean => Number.isFinite(pct) && pct >= 0 && pct <= 100;
