import { Account, type AccountSnapshot } from '../../domain/accounts';
import type { DroneSnapshot } from '../../domain/fleet';
import { Payment, type PaymentSnapshot } from '../../domain/payments';
import {
  COMMAND_SCHEMA_VERSION,
  mayIssue,
  type Command,
  type CommandName,
  type CommandPayloads,
  type Issuer,
} from '../../domain/protocol';
import {
  asId,
  err,
  ok,
  type IdempotencyKey,
  type Instant,
  type Location,
  type Result,
  type TimeWindow,
} from '../../domain/shared';
import {
  Delivery,
  planAssignments,
  type CancelReason,
  type DeliverySnapshot,
} from '../../domain/shipping';
import type { Overlay } from '../outbox';
import type { EffectiveView } from './effective-view';

export interface IssueContext {
  readonly issuer: Issuer;
  readonly now: Instant;
  readonly newKey: () => IdempotencyKey;
  readonly depots: () => readonly Location[];
}

export interface BuiltCommand {
  readonly command: Command;
  readonly overlay: Overlay | null;
}

const envelope = <N extends CommandName>(
  name: N,
  ctx: IssueContext,
  payload: CommandPayloads[N],
): Command =>
  ({
    name,
    schemaVersion: COMMAND_SCHEMA_VERSION,
    idempotencyKey: ctx.newKey(),
    issuedBy: ctx.issuer,
    issuedAt: ctx.now,
    payload,
  }) as Command;

const notHere = (kind: string): Result<never> =>
  err(
    `${kind.toUpperCase()}.NOT_FOUND`,
    `That ${kind} is not on this desktop yet; wait for the sync to finish.`,
  );

/**
 * Turns an operator's intent into a command, validated with the same domain
 * code the server runs (against what this desktop currently shows, overlays
 * included), plus the optimistic overlay to show until the server answers.
 * A refusal here never reaches the outbox.
 */
export class CommandBuilder {
  constructor(private readonly view: EffectiveView) {}

  changeMethod(
    ctx: IssueContext,
    input: { paymentId: string; newMethodToken: string },
  ): Result<BuiltCommand> {
    const allowed = this.allowed(ctx, 'payments.changeMethod');
    if (!allowed.ok) return allowed;
    const payment = this.view.get<PaymentSnapshot>('payment', input.paymentId);
    if (!payment) return notHere('payment');
    const account = this.view.get<AccountSnapshot>('account', payment.body.customerId);
    if (!account) return notHere('account');
    const method = Account.fromSnapshot(account.body).methodOnFile(input.newMethodToken);
    if (!method.ok) return method;
    if (payment.pending.some((p) => p.name === 'payments.changeMethod')) {
      return err(
        'PAYMENT.CHANGE_IN_PROGRESS',
        'A payment method change for this order is already waiting to be sent.',
      );
    }
    const started = Payment.fromSnapshot(payment.body).requestMethodChange({
      commandId: asId('Command', 'local-check'),
      newMethod: method.value,
      expectedVersion: payment.version,
      at: ctx.now,
    });
    if (!started.ok) return started;
    const m = method.value;
    return ok({
      command: envelope('payments.changeMethod', ctx, {
        paymentId: asId('Payment', input.paymentId),
        expectedVersion: payment.version,
        newMethodToken: m.token,
      }),
      overlay: {
        kind: 'payment',
        id: input.paymentId,
        patch: {
          requestedMethod: { token: m.token, brand: m.brand, last4: m.last4, expiry: m.expiry },
        },
      },
    });
  }

  cancel(
    ctx: IssueContext,
    input: { deliveryId: string; reason: CancelReason },
  ): Result<BuiltCommand> {
    const allowed = this.allowed(ctx, 'shipping.cancelDelivery');
    if (!allowed.ok) return allowed;
    const d = this.view.get<DeliverySnapshot>('delivery', input.deliveryId);
    if (!d) return notHere('delivery');
    const checked = Delivery.fromSnapshot(d.body).cancel(input.reason, ctx.now);
    if (!checked.ok) return checked;
    return ok({
      command: envelope('shipping.cancelDelivery', ctx, {
        deliveryId: asId('Delivery', input.deliveryId),
        expectedVersion: d.version,
        reason: input.reason,
      }),
      overlay: {
        kind: 'delivery',
        id: input.deliveryId,
        // Only the stage: until the server confirms, the drone and ETA shown are still the
        // server's (the UI reads the stage as "Cancel pending"), not a guess of the outcome.
        patch: { stage: 'cancelled' },
      },
    });
  }

  reschedule(
    ctx: IssueContext,
    input: { deliveryId: string; window: TimeWindow },
  ): Result<BuiltCommand> {
    const allowed = this.allowed(ctx, 'shipping.rescheduleDelivery');
    if (!allowed.ok) return allowed;
    const d = this.view.get<DeliverySnapshot>('delivery', input.deliveryId);
    if (!d) return notHere('delivery');
    const checked = Delivery.fromSnapshot(d.body).reschedule(input.window, ctx.now);
    if (!checked.ok) return checked;
    return ok({
      command: envelope('shipping.rescheduleDelivery', ctx, {
        deliveryId: asId('Delivery', input.deliveryId),
        expectedVersion: d.version,
        window: input.window,
      }),
      overlay: {
        kind: 'delivery',
        id: input.deliveryId,
        patch: { stage: 'created', window: input.window, droneId: null, eta: null },
      },
    });
  }

  assignDrone(
    ctx: IssueContext,
    input: { deliveryId: string; droneId: string },
  ): Result<BuiltCommand> {
    const allowed = this.allowed(ctx, 'shipping.assignDrone');
    if (!allowed.ok) return allowed;
    const d = this.view.get<DeliverySnapshot>('delivery', input.deliveryId);
    if (!d) return notHere('delivery');
    const drone = this.view.get<DroneSnapshot>('drone', input.droneId);
    if (!drone) return notHere('drone');
    const s = drone.body;
    const plan = planAssignments(
      [
        {
          id: d.body.id,
          parcel: d.body.parcel,
          pickup: d.body.pickup,
          dropoff: d.body.dropoff,
          windowStart: d.body.window.start,
        },
      ],
      [
        {
          id: s.id,
          model: s.model,
          status: s.status,
          batteryPct: s.batteryPct,
          position: s.lastFix?.location ?? d.body.pickup,
          assignedDeliveryId: s.assignedDeliveryId,
        },
      ],
      ctx.depots(),
      ctx.now,
    );
    // A delivery with a drone is reassigned, under the domain's rule the server applies too.
    if (d.body.stage !== 'created') {
      const allowed = Delivery.fromSnapshot(d.body).canReassignTo(s.id);
      if (!allowed.ok) return allowed;
    }
    if (plan.assignments.length === 0)
      return err(
        `SCHEDULER.${plan.unassigned[0]?.reason ?? 'NO_DRONE_FREE'}`,
        'That drone cannot take this delivery (busy, too little battery, or the parcel is too heavy).',
      );
    return ok({
      command: envelope('shipping.assignDrone', ctx, {
        deliveryId: asId('Delivery', input.deliveryId),
        expectedVersion: d.version,
        droneId: asId('Drone', input.droneId),
      }),
      overlay: {
        kind: 'delivery',
        id: input.deliveryId,
        patch: { stage: 'scheduled', droneId: input.droneId },
      },
    });
  }

  /** Supervisor: void a refused release again (checked with the domain, as the server will). */
  retryVoid(ctx: IssueContext, input: { paymentId: string }): Result<BuiltCommand> {
    const allowed = this.allowed(ctx, 'payments.retryVoid');
    if (!allowed.ok) return allowed;
    const payment = this.view.get<PaymentSnapshot>('payment', input.paymentId);
    if (!payment) return notHere('payment');
    const checked = Payment.fromSnapshot(payment.body).retryVoid({
      expectedVersion: payment.version,
      at: ctx.now,
    });
    if (!checked.ok) return checked;
    return ok({
      command: envelope('payments.retryVoid', ctx, {
        paymentId: asId('Payment', input.paymentId),
        expectedVersion: payment.version,
      }),
      overlay: null,
    });
  }

  /** Supervisor: close an escalation with a written reason (length and card-data checked here too). */
  resolveEscalation(
    ctx: IssueContext,
    input: { paymentId: string; reason: string },
  ): Result<BuiltCommand> {
    const allowed = this.allowed(ctx, 'payments.resolveEscalation');
    if (!allowed.ok) return allowed;
    const payment = this.view.get<PaymentSnapshot>('payment', input.paymentId);
    if (!payment) return notHere('payment');
    const checked = Payment.fromSnapshot(payment.body).resolveEscalation({
      expectedVersion: payment.version,
      reason: input.reason,
      by: ctx.issuer.userId,
      at: ctx.now,
    });
    if (!checked.ok) return checked;
    return ok({
      command: envelope('payments.resolveEscalation', ctx, {
        paymentId: asId('Payment', input.paymentId),
        expectedVersion: payment.version,
        reason: input.reason.trim(),
      }),
      overlay: null,
    });
  }

  private allowed(ctx: IssueContext, name: CommandName): Result<void> {
    return mayIssue(ctx.issuer.role, name)
      ? ok(undefined)
      : err('COMMAND.FORBIDDEN', `Your role (${ctx.issuer.role}) may not do that.`);
  }
}
