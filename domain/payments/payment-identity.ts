import { asId, type DeliveryId, type PaymentId } from '../shared';

/**
 * One Payment per delivery order, and its identity follows from the order's:
 * `del-<n>` is paid by `pay-<n>`. Contexts that react to a delivery's events
 * (a cancel releases its hold, a completion captures it) find the payment this
 * way instead of reaching into the payments context's storage.
 */
export function paymentIdForDelivery(deliveryId: DeliveryId | string): PaymentId {
  return asId('Payment', `pay-${deliveryId.replace(/^del-/, '')}`);
}
