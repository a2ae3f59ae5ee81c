import {
  AggregateRoot,
  distanceMeters,
  err,
  ok,
  type CustomerId,
  type DeliveryId,
  type DroneId,
  type Eta,
  type Instant,
  type Location,
  type Result,
  type TimeWindow,
} from '../shared';
import { isBeforePickup, isTerminal, type DeliveryStage } from './delivery-stage';
import type { CancelReason, DeliveryEvent } from './delivery.events';
import type { Parcel } from './parcel';

export interface DeliverySnapshot {
  readonly id: DeliveryId;
  readonly customerId: CustomerId;
  readonly parcel: Parcel;
  readonly pickup: Location;
  readonly dropoff: Location;
  readonly window: TimeWindow;
  readonly stage: DeliveryStage;
  readonly droneId: DroneId | null;
  readonly eta: Eta | null;
  readonly version: number;
  readonly updatedAt: Instant;
}

/** Shorter hops are walked, not flown; this also catches swapped or duplicated addresses. */
export const MIN_ROUTE_METERS = 50;
/** A delivery window is at least 15 minutes and at most 14 days long. */
export const MIN_WINDOW_MS = 15 * 60_000;
export const MAX_WINDOW_MS = 14 * 86_400_000;

export class Delivery extends AggregateRoot<DeliveryEvent> {
  private constructor(private state: DeliverySnapshot) {
    super();
  }

  /** Invariants: pickup and dropoff at least MIN_ROUTE_METERS apart; the window is valid and not over. */
  static create(
    input: {
      id: DeliveryId;
      customerId: CustomerId;
      parcel: Parcel;
      pickup: Location;
      dropoff: Location;
      window: TimeWindow;
    },
    now: Instant,
  ): Result<Delivery> {
    if (distanceMeters(input.pickup, input.dropoff) < MIN_ROUTE_METERS) {
      return err(
        'DELIVERY.ROUTE_TOO_SHORT',
        'The pickup and drop-off points are too close together.',
      );
    }
    const window = validateWindow(input.window, now);
    if (!window.ok) return window;
    const delivery = new Delivery({
      ...input,
      stage: 'created',
      droneId: null,
      eta: null,
      version: 1,
      updatedAt: now,
    });
    const { customerId, parcel, pickup, dropoff } = input;
    delivery.emit('DeliveryCreated', now, {
      customerId,
      parcel,
      pickup,
      dropoff,
      window: input.window,
    });
    return ok(delivery);
  }

  static fromSnapshot(snapshot: DeliverySnapshot): Delivery {
    return new Delivery(snapshot);
  }

  toSnapshot(): DeliverySnapshot {
    return this.state;
  }

  protected get identity(): { id: string; version: number } {
    return this.state;
  }

  get id(): DeliveryId {
    return this.state.id;
  }
  get stage(): DeliveryStage {
    return this.state.stage;
  }
  get version(): number {
    return this.state.version;
  }

  /** Invariant: only a created (unassigned) delivery can be given a drone. */
  schedule(droneId: DroneId, eta: Eta, at: Instant): Result<void> {
    const guard = this.expectStage('created', 'scheduled');
    if (!guard.ok) return guard;
    this.apply({ stage: 'scheduled', droneId, eta }, at);
    this.emit('DeliveryScheduled', at, { droneId, eta });
    return ok(undefined);
  }

  /**
   * Invariant: only a scheduled delivery (drone assigned, not yet taken off) moves to another
   * drone. Once the drone has left, the parcel is its job: fail or cancel the delivery instead.
   * Returns the drone it released, for the caller to free in the same transaction.
   */
  reassign(droneId: DroneId, eta: Eta, at: Instant): Result<{ releasedDroneId: DroneId }> {
    const allowed = this.canReassignTo(droneId);
    if (!allowed.ok) return allowed;
    const current = allowed.value;
    this.apply({ droneId, eta }, at);
    this.emit('DeliveryReassigned', at, { droneId, eta, releasedDroneId: current });
    return ok({ releasedDroneId: current });
  }

  /**
   * The stage rule of `reassign` alone, without changing anything: the server asks it before
   * the scheduler, so a refusal names the real obstacle. Answers the drone that would be released.
   */
  canReassignTo(droneId: DroneId): Result<DroneId> {
    const { stage, droneId: current } = this.state;
    if (isTerminal(stage)) return this.alreadyEnded();
    if (stage === 'created' || current === null) return noDrone();
    if (stage !== 'scheduled') {
      return err(
        'DELIVERY.DRONE_LEFT',
        `Its drone has already left (the delivery is ${stage.replace(/-/g, ' ')}), so it can no longer be reassigned.`,
      );
    }
    if (current === droneId) {
      return err('DELIVERY.SAME_DRONE', 'That drone is already assigned to this delivery.');
    }
    return ok(current);
  }

  /** The assigned drone took off towards the pickup point. */
  dispatch(at: Instant): Result<void> {
    const droneId = this.state.droneId;
    const guard = this.expectStage('scheduled', 'en-route-to-pickup');
    if (!guard.ok || droneId === null) return guard.ok ? noDrone() : guard;
    this.apply({ stage: 'en-route-to-pickup' }, at);
    this.emit('DeliveryDispatched', at, { droneId });
    return ok(undefined);
  }

  /** From here on the customer can no longer cancel or reschedule. */
  pickUp(at: Instant): Result<void> {
    const droneId = this.state.droneId;
    const guard = this.expectStage('en-route-to-pickup', 'picked-up');
    if (!guard.ok || droneId === null) return guard.ok ? noDrone() : guard;
    this.apply({ stage: 'picked-up' }, at);
    this.emit('DeliveryPickedUp', at, { droneId });
    return ok(undefined);
  }

  headToDropoff(eta: Eta, at: Instant): Result<void> {
    const guard = this.expectStage('picked-up', 'headed-to-dropoff');
    if (!guard.ok) return guard;
    this.apply({ stage: 'headed-to-dropoff', eta }, at);
    this.emit('DeliveryHeadedToDropoff', at, { eta });
    return ok(undefined);
  }

  complete(at: Instant): Result<void> {
    const droneId = this.state.droneId;
    const guard = this.expectStage('headed-to-dropoff', 'completed');
    if (!guard.ok || droneId === null) return guard.ok ? noDrone() : guard;
    this.apply({ stage: 'completed' }, at);
    this.emit('DeliveryCompleted', at, { droneId });
    return ok(undefined);
  }

  /** Invariant: only a delivery that has not ended can fail. */
  fail(reason: string, at: Instant): Result<void> {
    if (isTerminal(this.state.stage)) return this.alreadyEnded();
    const droneId = this.state.droneId;
    this.apply({ stage: 'failed' }, at);
    this.emit('DeliveryFailed', at, { reason, droneId });
    return ok(undefined);
  }

  /** Invariant: cancel only before pickup; any assigned drone is released. */
  cancel(reason: CancelReason, at: Instant): Result<{ releasedDroneId: DroneId | null }> {
    const guard = this.expectBeforePickup('cancelled');
    if (!guard.ok) return guard;
    const releasedDroneId = this.state.droneId;
    this.apply({ stage: 'cancelled', droneId: null, eta: null }, at);
    this.emit('DeliveryCancelled', at, { reason, releasedDroneId });
    return ok({ releasedDroneId });
  }

  /**
   * Invariant: reschedule only before pickup, to a valid future window. The
   * delivery goes back to "created" and loses its drone: the scheduler assigns
   * one for the new window.
   */
  reschedule(window: TimeWindow, at: Instant): Result<{ releasedDroneId: DroneId | null }> {
    const guard = this.expectBeforePickup('rescheduled');
    if (!guard.ok) return guard;
    const valid = validateWindow(window, at);
    if (!valid.ok) return valid;
    const releasedDroneId = this.state.droneId;
    this.apply({ stage: 'created', window, droneId: null, eta: null }, at);
    this.emit('DeliveryRescheduled', at, { window, releasedDroneId });
    return ok({ releasedDroneId });
  }

  /** Invariant: only an active delivery with a drone has an ETA to update. */
  updateEta(eta: Eta, at: Instant): Result<void> {
    if (this.state.droneId === null || isTerminal(this.state.stage)) {
      return err('DELIVERY.NOT_IN_FLIGHT', 'This delivery has no drone on the way.');
    }
    this.apply({ eta }, at);
    this.emit('DeliveryEtaUpdated', at, { eta });
    return ok(undefined);
  }

  private expectStage(expected: DeliveryStage, target: DeliveryStage): Result<void> {
    if (this.state.stage === expected) return ok(undefined);
    if (isTerminal(this.state.stage)) return this.alreadyEnded();
    return err(
      'DELIVERY.INVALID_STAGE',
      `This delivery is ${this.state.stage.replace(/-/g, ' ')} and cannot be marked ${target.replace(/-/g, ' ')}.`,
    );
  }

  private expectBeforePickup(action: 'cancelled' | 'rescheduled'): Result<void> {
    const stage = this.state.stage;
    if (isBeforePickup(stage)) return ok(undefined);
    if (stage === 'cancelled') {
      return err('DELIVERY.ALREADY_CANCELLED', 'This delivery has already been cancelled.');
    }
    if (isTerminal(stage)) return this.alreadyEnded();
    return err(
      'DELIVERY.ALREADY_PICKED_UP',
      `The parcel has already been picked up, so the delivery can no longer be ${action}.`,
    );
  }

  private alreadyEnded(): Result<never> {
    return err(
      'DELIVERY.ALREADY_ENDED',
      `This delivery has already ${endedVerb(this.state.stage)}.`,
    );
  }

  private apply(patch: Partial<DeliverySnapshot>, at: Instant): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1, updatedAt: at };
  }
}

function validateWindow(window: TimeWindow, now: Instant): Result<TimeWindow> {
  const length = window.end - window.start;
  if (!(length >= MIN_WINDOW_MS) || length > MAX_WINDOW_MS) {
    return err(
      'DELIVERY.INVALID_WINDOW',
      'A delivery window must be between 15 minutes and 14 days long.',
    );
  }
  if (window.end <= now) {
    return err('DELIVERY.WINDOW_IN_PAST', 'That delivery window has already passed.');
  }
  return ok(window);
}

const noDrone = (): Result<never> =>
  err('DELIVERY.NO_DRONE', 'This delivery has no drone assigned yet.');

function endedVerb(stage: DeliveryStage): string {
  if (stage === 'completed') return 'been completed';
  if (stage === 'cancelled') return 'been cancelled';
  return 'failed';
}
