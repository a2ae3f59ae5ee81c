import type { AccountSnapshot } from '../../domain/accounts';
import type { DroneSnapshot } from '../../domain/fleet';
import type { PaymentSnapshot } from '../../domain/payments';
import type { DeliveryBoardView } from './fleet-manager-api';
import type { Location, PaymentMethodRef } from '../../domain/shared';
import type { DeliverySnapshot } from '../../domain/shipping';

/**
 * What the operator API answers with, beyond the status and event views in
 * operator-api.ts. The core builds these, the renderer reads them; neither
 * re-declares them.
 */

/** One authoritative record as replicated from the server's change feed. */
export interface RecordView<Body = unknown> {
  readonly kind: string;
  readonly id: string;
  readonly version: number;
  readonly seq: number;
  readonly body: Body;
}

/** A command of this desk still waiting for the server's word on a record. */
export interface PendingMark {
  readonly idempotencyKey: string;
  readonly name: string;
  readonly state: string;
}

/** A replicated record as the operator should see it: server truth plus their own pending commands. */
export interface EffectiveRecord<Body> extends RecordView<Body> {
  /** Commands of this desktop still waiting for the server's word on this record. */
  readonly pending: readonly PendingMark[];
}

/** The payment body may carry the optimistic overlay of a method change this desk queued. */
export type PaymentBody = PaymentSnapshot & { readonly requestedMethod?: PaymentMethodRef };

/** `search.query`: one hit. */
export interface SearchHit {
  readonly kind: 'account' | 'delivery';
  readonly id: string;
  /** Customer name, or delivery id. */
  readonly title: string;
  /** Phone and address for a customer; parcel tag and stage for a delivery. */
  readonly subtitle: string;
}

/** `customers.get`: the account and each of its deliveries with its payment. */
export interface CustomerDetail {
  readonly account: EffectiveRecord<AccountSnapshot>;
  readonly deliveries: readonly {
    readonly delivery: EffectiveRecord<DeliverySnapshot>;
    readonly payment: EffectiveRecord<PaymentBody> | null;
  }[];
}

/** `deliveries.get`: the delivery, its payment, its drone and its shared (board) state. */
export interface DeliveryDetail {
  readonly delivery: EffectiveRecord<DeliverySnapshot>;
  readonly payment: EffectiveRecord<PaymentBody> | null;
  readonly drone: RecordView<DroneSnapshot> | null;
  /** Null when the delivery's board cannot be opened on this desk. */
  readonly collab: DeliveryBoardView | null;
}

/** A depot as seeded by the server (`fleet.places`). */
export interface DepotView {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly position: Location;
}

/** A service zone (`fleet.places`): polygon of [lng, lat] pairs. */
export interface ZoneView {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly polygon: [number, number][];
}
