import {
  AggregateRoot,
  err,
  expectVersion,
  isExpiredAt,
  ok,
  type AuthorizationId,
  type CommandId,
  type CustomerId,
  type DeliveryId,
  type IdempotencyKey,
  type Instant,
  type Money,
  type PaymentId,
  type PaymentMethodRef,
  type Result,
  type UserId,
} from '../shared';
import {
  advanceChange,
  isFinalStep,
  startChange,
  type ChangeInput,
  type ChangeMethodWorkflow,
} from './change-method.workflow';
import { DECLINE_MESSAGES, type DeclineCode } from './payment-gateway.port';
import type { GatewayAction, PaymentEvent, PaymentSnapshot } from './payment.types';
import { escalationOf, resolveEscalation, retryReleaseVoid, type Escalation } from './escalation';
import {
  finishRelease,
  releaseGatewayKey,
  retryRelease,
  startRelease,
  type ReleaseOutcome,
} from './release.workflow';

export type { GatewayAction, PaymentEvent, PaymentSnapshot, PaymentStatus } from './payment.types';

// Derived from the command id and the step, so a retry after a crash or an
// outage reuses the same key and the gateway applies the call at most once.
const gatewayKey = (commandId: CommandId, step: string): IdempotencyKey =>
  `${commandId}/${step}` as IdempotencyKey;

export class Payment extends AggregateRoot<PaymentEvent> {
  private constructor(private state: PaymentSnapshot) {
    super();
  }

  /** A payment starts authorized: the order was accepted with a hold on its method. */
  static create(
    input: {
      id: PaymentId;
      deliveryId: DeliveryId;
      customerId: CustomerId;
      amount: Money;
      method: PaymentMethodRef;
      authorizationId: AuthorizationId;
    },
    at: Instant,
  ): Result<Payment> {
    if (input.amount.minor <= 0) {
      return err('PAYMENT.INVALID_AMOUNT', 'A payment must be for a positive amount.');
    }
    const payment = new Payment({
      ...input,
      status: 'authorized',
      change: null,
      release: null,
      version: 1,
      updatedAt: at,
    });
    payment.emit('PaymentAuthorized', at, {
      authorizationId: input.authorizationId,
      method: input.method,
    });
    return ok(payment);
  }

  static fromSnapshot(snapshot: PaymentSnapshot): Payment {
    return new Payment(snapshot);
  }

  toSnapshot(): PaymentSnapshot {
    return this.state;
  }

  protected get identity(): { id: string; version: number } {
    return this.state;
  }

  get id(): PaymentId {
    return this.state.id;
  }
  get version(): number {
    return this.state.version;
  }
  get changeInProgress(): boolean {
    return this.state.change !== null && !isFinalStep(this.state.change.step);
  }
  /** Gateway work is outstanding: a method change, or the release of a cancelled order's hold. */
  get gatewayWorkPending(): boolean {
    return this.changeInProgress || this.state.release?.step === 'requested';
  }

  /**
   * Starts a change of payment method. Rejected when the payment is settled,
   * the agent saw an older version, the new method is expired or already in
   * force, another change is running, or there is no authorization to replace.
   */
  requestMethodChange(input: {
    commandId: CommandId;
    newMethod: PaymentMethodRef;
    expectedVersion: number | undefined;
    at: Instant;
  }): Result<ChangeMethodWorkflow> {
    const s = this.state;
    if (s.status === 'settled') {
      return err(
        'PAYMENT.ALREADY_SETTLED',
        'This order has already been charged, so its payment method can no longer be changed.',
      );
    }
    if (s.release) {
      return err(
        'PAYMENT.RELEASED',
        'This order was cancelled, so its payment hold is being released and nothing will be charged; there is no payment method to change.',
      );
    }
    const version = expectVersion('PAYMENT', s.version, input.expectedVersion);
    if (!version.ok) return version;
    if (this.changeInProgress) {
      return err(
        'PAYMENT.CHANGE_IN_PROGRESS',
        'A payment method change for this order is already in progress.',
      );
    }
    if (isExpiredAt(input.newMethod, input.at)) {
      return err(
        'PAYMENT.METHOD_EXPIRED',
        'That card has expired; please choose another payment method.',
      );
    }
    if (input.newMethod.token === s.method.token) {
      return err(
        'PAYMENT.SAME_METHOD',
        'That payment method is already the one used for this order.',
      );
    }
    if (s.authorizationId === null) {
      return err(
        'PAYMENT.NOT_AUTHORIZED',
        'This order has no active card authorization to move; a supervisor must review it.',
      );
    }
    const change = startChange({
      commandId: input.commandId,
      previousMethod: s.method,
      previousAuthorizationId: s.authorizationId,
      newMethod: input.newMethod,
      at: input.at,
    });
    this.apply({ change }, input.at);
    this.emit('PaymentMethodChangeRequested', input.at, {
      commandId: input.commandId,
      newMethod: input.newMethod,
    });
    return ok(change);
  }

  /** The gateway call the running change needs next, or null when none is running. */
  nextGatewayAction(): GatewayAction | null {
    const c = this.state.change;
    if (c === null || isFinalStep(c.step)) return this.nextReleaseAction();
    switch (c.step) {
      case 'requested':
        return {
          kind: 'void',
          idempotencyKey: gatewayKey(c.commandId, 'void-old'),
          authorizationId: c.previousAuthorizationId,
        };
      case 'old-voided':
        return {
          kind: 'authorize-new',
          idempotencyKey: gatewayKey(c.commandId, 'authorize-new'),
          method: c.newMethod,
        };
      case 'restoring-old':
        return {
          kind: 'restore-old',
          idempotencyKey: gatewayKey(c.commandId, 'restore-old'),
          method: c.previousMethod,
        };
      case 'new-authorized':
      case 'completed':
      case 'failed-declined':
      case 'failed-void-refused':
      case 'failed-restore':
        return null;
    }
  }

  /**
   * Feeds one gateway outcome into the running change and keeps the payment
   * consistent with it. Invariant: status is "authorized" exactly when an
   * authorization is held; the method in force is the old one unless the new
   * one was authorized.
   */
  applyGatewayOutcome(input: ChangeInput, at: Instant): Result<ChangeMethodWorkflow> {
    const current = this.state.change;
    if (current === null || !this.changeInProgress) {
      return err(
        'PAYMENT.NO_CHANGE_IN_PROGRESS',
        'There is no payment method change in progress for this order.',
      );
    }
    const advanced = advanceChange(current, input, at);
    if (!advanced.ok) return advanced;
    let change = advanced.value;
    switch (input.type) {
      case 'old-voided':
        this.apply({ change, authorizationId: null, status: 'unauthorized' }, at);
        break;
      case 'new-approved': {
        // Authorization of the new method is the commit point of the change.
        const completed = advanceChange(change, { type: 'completed' }, at);
        if (!completed.ok) return completed;
        change = completed.value;
        this.apply(
          {
            change,
            method: change.newMethod,
            authorizationId: input.authorizationId,
            status: 'authorized',
          },
          at,
        );
        this.emit('PaymentMethodChanged', at, {
          commandId: change.commandId,
          method: change.newMethod,
        });
        break;
      }
      case 'old-void-refused':
        this.apply({ change }, at);
        this.failed(
          change,
          'PAYMENT.VOID_REFUSED',
          'The card company would not release the original hold, so the payment method was not changed.',
          at,
        );
        break;
      case 'new-declined':
        this.apply({ change }, at);
        break;
      case 'old-restored':
        this.apply({ change, authorizationId: input.authorizationId, status: 'authorized' }, at);
        this.failed(
          change,
          `PAYMENT.DECLINED`,
          `${DECLINE_MESSAGES[change.decline ?? 'do-not-honor']} The original payment method stays in place.`,
          at,
        );
        break;
      case 'old-restore-declined':
        this.apply({ change }, at);
        this.failed(
          change,
          'PAYMENT.RESTORE_FAILED',
          'The new card was declined and the original card could not be re-authorized; a supervisor must contact the customer.',
          at,
        );
        break;
      case 'completed':
        // Only reachable as the internal follow-up of new-approved; advanceChange refused it otherwise.
        break;
    }
    // A cancel that arrived mid-change: once the change ends holding nothing, the release is done.
    this.releaseIfNothingHeld(at);
    return ok(change);
  }

  /** Invariant: only an authorized payment with no change running can be settled (captured). */
  settle(at: Instant): Result<void> {
    if (this.state.status === 'settled') {
      return err('PAYMENT.ALREADY_SETTLED', 'This order has already been charged.');
    }
    if (this.state.release) {
      return err('PAYMENT.RELEASED', 'This order was cancelled; it will not be charged.');
    }
    if (this.changeInProgress || this.state.status !== 'authorized') {
      return err(
        'PAYMENT.NOT_SETTLEABLE',
        'The order cannot be charged while its payment method is being changed.',
      );
    }
    this.apply({ status: 'settled' }, at);
    this.emit('PaymentSettled', at, { amount: this.state.amount });
    return ok(undefined);
  }

  /**
   * The delivery order was cancelled: release (void) the hold so the customer is
   * never charged. Refused once the payment is settled. Idempotent: a second
   * request changes nothing. If a method change is running, the release waits
   * for it and then voids whichever authorization the change left in force.
   */
  requestRelease(input: { key: IdempotencyKey; reason: string; at: Instant }): Result<void> {
    const s = this.state;
    if (s.status === 'settled') {
      return err(
        'PAYMENT.ALREADY_SETTLED',
        'This order has already been charged; a refund is a separate process.',
      );
    }
    if (s.release) return ok(undefined);
    this.apply({ release: startRelease(input.key, input.reason, input.at) }, input.at);
    this.emit('PaymentReleaseRequested', input.at, { reason: input.reason });
    this.releaseIfNothingHeld(input.at);
    return ok(undefined);
  }

  /**
   * Feeds the gateway's answer to the release void. Invariant: a released
   * payment holds no authorization; a refused void leaves the hold (and the
   * status) as they were, for a supervisor.
   */
  applyReleaseOutcome(outcome: ReleaseOutcome, at: Instant): Result<void> {
    const release = this.state.release;
    const held = this.state.authorizationId;
    if (!release || release.step !== 'requested' || this.changeInProgress || held === null) {
      return err('PAYMENT.NO_RELEASE_PENDING', 'There is no payment hold waiting to be released.');
    }
    if (outcome === 'voided') {
      this.apply(
        {
          release: finishRelease(release, 'voided', at),
          authorizationId: null,
          status: 'released',
        },
        at,
      );
      this.emit('PaymentReleased', at, { voidedAuthorizationId: held });
    } else {
      this.apply({ release: finishRelease(release, 'refused', at) }, at);
      this.emit('PaymentReleaseRefused', at, { authorizationId: held });
    }
    return ok(undefined);
  }

  private nextReleaseAction(): GatewayAction | null {
    const release = this.state.release;
    const held = this.state.authorizationId;
    if (release?.step !== 'requested' || held === null) return null;
    return { kind: 'release', idempotencyKey: releaseGatewayKey(release), authorizationId: held };
  }

  /** A release with nothing to void (no hold, and no change that could still create one) ends at once. */
  private releaseIfNothingHeld(at: Instant): void {
    const release = this.state.release;
    if (release?.step !== 'requested' || this.changeInProgress) return;
    if (this.state.authorizationId !== null) return;
    this.apply({ release: finishRelease(release, 'nothing-held', at), status: 'released' }, at);
    this.emit('PaymentReleased', at, { voidedAuthorizationId: null });
  }

  /** The escalation a supervisor must handle, if any. */
  get escalation(): Escalation | null {
    return escalationOf(this.state);
  }

  /**
   * A supervisor asks the card company again to release a cancelled order's hold it refused.
   * The release goes back to "requested" with a new gateway key (the refused key's answer is
   * final at the gateway); the processor performs the void.
   */
  retryVoid(input: { expectedVersion: number; at: Instant }): Result<void> {
    const version = expectVersion('PAYMENT', this.state.version, input.expectedVersion);
    if (!version.ok) return version;
    const allowed = retryReleaseVoid(this.state);
    if (!allowed.ok) return allowed;
    const release = this.state.release;
    if (!release) return err('PAYMENT.NO_RELEASE_PENDING', 'This order was not cancelled.');
    this.apply({ release: retryRelease(release, input.at) }, input.at);
    this.emit('PaymentReleaseRequested', input.at, { reason: release.reason });
    return ok(undefined);
  }

  /** A supervisor closes the open escalation with a written reason (what was done about it). */
  resolveEscalation(input: {
    expectedVersion: number;
    reason: string;
    by: UserId;
    at: Instant;
  }): Result<void> {
    const version = expectVersion('PAYMENT', this.state.version, input.expectedVersion);
    if (!version.ok) return version;
    const resolved = resolveEscalation(this.state, input);
    if (!resolved.ok) return resolved;
    this.apply(resolved.value, input.at);
    return ok(undefined);
  }

  /** The decline that ended the last change, if any (for the agent's screen). */
  lastDecline(): DeclineCode | null {
    return this.state.change?.decline ?? null;
  }

  private failed(change: ChangeMethodWorkflow, code: string, message: string, at: Instant): void {
    const methodInForce = this.state.status === 'authorized' ? this.state.method : null;
    this.emit('PaymentMethodChangeFailed', at, {
      commandId: change.commandId,
      code,
      message,
      methodInForce,
    });
  }

  private apply(patch: Partial<PaymentSnapshot>, at: Instant): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1, updatedAt: at };
  }
}
