import type {
  DeliveryId,
  DesktopId,
  DroneId,
  IdempotencyKey,
  Instant,
  PaymentId,
  TimeWindow,
  UserId,
} from '../shared';
import type { CancelReason } from '../shipping';
import type { Role } from './roles';

/**
 * Commands are plain serializable data shared by desktop and server. `name` is
 * namespaced by context; `schemaVersion` lets either side refuse a shape it
 * does not understand instead of misreading it.
 */
export interface CommandPayloads {
  'payments.changeMethod': {
    readonly paymentId: PaymentId;
    readonly expectedVersion: number;
    /** Must be a method already on file for the customer (a gateway token). */
    readonly newMethodToken: string;
  };
  'shipping.cancelDelivery': {
    readonly deliveryId: DeliveryId;
    readonly expectedVersion: number;
    readonly reason: CancelReason;
  };
  'shipping.rescheduleDelivery': {
    readonly deliveryId: DeliveryId;
    readonly expectedVersion: number;
    readonly window: TimeWindow;
  };
  'shipping.assignDrone': {
    readonly deliveryId: DeliveryId;
    readonly expectedVersion: number;
    readonly droneId: DroneId;
  };
  /** Supervisor: ask the card company again to release a cancelled order's refused hold. */
  'payments.retryVoid': {
    readonly paymentId: PaymentId;
    readonly expectedVersion: number;
  };
  /** Supervisor: close a payment escalation with a written reason (what was done). */
  'payments.resolveEscalation': {
    readonly paymentId: PaymentId;
    readonly expectedVersion: number;
    readonly reason: string;
  };
}

export type CommandName = keyof CommandPayloads;
export const COMMAND_NAMES = [
  'payments.changeMethod',
  'shipping.cancelDelivery',
  'shipping.rescheduleDelivery',
  'shipping.assignDrone',
  'payments.retryVoid',
  'payments.resolveEscalation',
] as const satisfies readonly CommandName[];

export const COMMAND_SCHEMA_VERSION = 1;

export interface Issuer {
  readonly userId: UserId;
  readonly role: Role;
  readonly desktopId: DesktopId;
}

export type Command<N extends CommandName = CommandName> = {
  [K in N]: {
    readonly name: K;
    readonly schemaVersion: typeof COMMAND_SCHEMA_VERSION;
    /** One effect per key: the server stores the first outcome and returns it for every repeat. */
    readonly idempotencyKey: IdempotencyKey;
    readonly issuedBy: Issuer;
    readonly issuedAt: Instant;
    readonly payload: CommandPayloads[K];
  };
}[N];

/** Who may issue what. The desktop hides what a role cannot do; the server re-checks. */
export const COMMAND_ROLES: Readonly<Record<CommandName, readonly Role[]>> = {
  'payments.changeMethod': ['agent', 'supervisor'],
  'shipping.cancelDelivery': ['agent', 'supervisor'],
  'shipping.rescheduleDelivery': ['agent', 'supervisor'],
  'shipping.assignDrone': ['fleet-manager', 'supervisor'],
  'payments.retryVoid': ['supervisor'],
  'payments.resolveEscalation': ['supervisor'],
};

export const mayIssue = (role: Role, name: CommandName): boolean =>
  COMMAND_ROLES[name].includes(role);

/**
 * The server's answer to a command. "processing" means accepted and still
 * running (a payment change waiting on the gateway); its final outcome follows
 * through the change feed.
 */
export type CommandOutcome =
  | { readonly status: 'accepted'; readonly resultingVersion: number }
  | { readonly status: 'processing'; readonly resultingVersion: number }
  | { readonly status: 'rejected'; readonly code: string; readonly reason: string };
