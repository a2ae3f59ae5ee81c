import type { AccountSnapshot } from '../../../../domain/accounts';
import type { DroneSnapshot } from '../../../../domain/fleet';
import type { PaymentSnapshot } from '../../../../domain/payments';
import type { PaymentMethodRef } from '../../../../domain/shared';
import type { DeliverySnapshot } from '../../../../domain/shipping';

/** A record as the core shows it: server truth plus this desk's pending commands. */
export interface Rec<Body> {
  readonly kind: string;
  readonly id: string;
  readonly version: number;
  readonly seq: number;
  readonly body: Body;
  readonly pending: readonly { idempotencyKey: string; name: string; state: string }[];
}

/** The payment body may carry the optimistic overlay of a change this desk queued. */
export type PaymentBody = PaymentSnapshot & { readonly requestedMethod?: PaymentMethodRef };

export interface SearchHit {
  readonly kind: 'account' | 'delivery';
  readonly id: string;
  readonly title: string;
  readonly subtitle: string;
}

export interface CustomerData {
  readonly account: Rec<AccountSnapshot>;
  readonly deliveries: readonly {
    delivery: Rec<DeliverySnapshot>;
    payment: Rec<PaymentBody> | null;
  }[];
}

export interface Note {
  readonly id: string;
  readonly author: string;
  readonly text: string;
  readonly at: number;
}

export interface DeliveryData {
  readonly delivery: Rec<DeliverySnapshot>;
  readonly payment: Rec<PaymentBody> | null;
  readonly drone: Rec<DroneSnapshot> | null;
  readonly collab: { readonly notes: readonly Note[] } | null;
}

/** What the agent is looking at; plain data. */
export type Selection =
  | { readonly kind: 'account'; readonly id: string }
  | { readonly kind: 'delivery'; readonly id: string; readonly customerId?: string };
