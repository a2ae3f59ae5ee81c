import type {
  AuthorizationId,
  CommandId,
  CustomerId,
  DeliveryId,
  DomainEvent,
  IdempotencyKey,
  Instant,
  Money,
  PaymentId,
  PaymentMethodRef,
  UserId,
} from '../shared';
import type { ChangeMethodWorkflow } from './change-method.workflow';
import type { PaymentRelease } from './release.workflow';

/** The Payment aggregate's state, events and gateway calls, as plain serializable data. */

/**
 * A payment a supervisor must look at (escalation.ts): the card company would not release a
 * hold (a cancelled order's, or the old one during a method change), or a failed change left
 * the order with no hold at all.
 */
export type EscalationKind = 'release-void-refused' | 'change-void-refused' | 'restore-failed';

/** A supervisor's written resolution of the escalation that was open since `since`. */
export interface EscalationResolution {
  readonly reason: string;
  readonly by: UserId;
  readonly at: Instant;
  /** The escalation it closed; a later one (e.g. after a retried void was refused again) is open. */
  readonly kind: EscalationKind;
  readonly since: Instant;
}

/**
 * authorized: an authorization holds the amount on the current method.
 * unauthorized: no hold (mid-change, or a restore failed) — cannot settle.
 * settled: captured; the method can no longer change.
 * released: the order was cancelled and its hold voided; nothing will be charged.
 */
export type PaymentStatus = 'authorized' | 'unauthorized' | 'settled' | 'released';

export interface PaymentSnapshot {
  readonly id: PaymentId;
  readonly deliveryId: DeliveryId;
  readonly customerId: CustomerId;
  readonly amount: Money;
  readonly method: PaymentMethodRef;
  readonly authorizationId: AuthorizationId | null;
  readonly status: PaymentStatus;
  /** The change in progress, or the last one (kept so its outcome can be shown). */
  readonly change: ChangeMethodWorkflow | null;
  /** Set once the delivery order was cancelled (absent in records written before releases existed). */
  readonly release?: PaymentRelease | null;
  /** A supervisor's resolution of the last escalation (absent until the first one). */
  readonly resolution?: EscalationResolution | null;
  readonly version: number;
  readonly updatedAt: Instant;
}

export type PaymentEvent =
  | DomainEvent<'PaymentAuthorized', { authorizationId: AuthorizationId; method: PaymentMethodRef }>
  | DomainEvent<
      'PaymentMethodChangeRequested',
      { commandId: CommandId; newMethod: PaymentMethodRef }
    >
  | DomainEvent<'PaymentMethodChanged', { commandId: CommandId; method: PaymentMethodRef }>
  | DomainEvent<
      'PaymentMethodChangeFailed',
      {
        commandId: CommandId;
        code: string;
        message: string;
        methodInForce: PaymentMethodRef | null;
      }
    >
  | DomainEvent<'PaymentSettled', { amount: Money }>
  | DomainEvent<'PaymentReleaseRequested', { reason: string }>
  | DomainEvent<'PaymentReleased', { voidedAuthorizationId: AuthorizationId | null }>
  | DomainEvent<'PaymentReleaseRefused', { authorizationId: AuthorizationId }>;

/** The next gateway call the change process needs; the key makes each call exactly-once. */
export type GatewayAction =
  | {
      readonly kind: 'void';
      readonly idempotencyKey: IdempotencyKey;
      readonly authorizationId: AuthorizationId;
    }
  | {
      readonly kind: 'authorize-new';
      readonly idempotencyKey: IdempotencyKey;
      readonly method: PaymentMethodRef;
    }
  | {
      readonly kind: 'restore-old';
      readonly idempotencyKey: IdempotencyKey;
      readonly method: PaymentMethodRef;
    }
  | {
      /** Void the hold of a cancelled order (not part of a method change). */
      readonly kind: 'release';
      readonly idempotencyKey: IdempotencyKey;
      readonly authorizationId: AuthorizationId;
    };
