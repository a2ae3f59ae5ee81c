import { Payment, paymentIdForDelivery, type PaymentSnapshot } from '../../domain/payments';
import type { Instant } from '../../domain/shared';
import type { RecordTx } from '../records';

/**
 * The payments context's reaction to a completed delivery order, the counterpart of
 * release-on-cancel: capture (settle) its payment inside the completion's own transaction,
 * so "delivered" and "charged" are committed together. A payment whose method change is
 * still running is left authorized (the domain refuses to settle it); nothing else happens.
 */
export async function capturePaymentOnCompletion(
  tx: RecordTx,
  input: { deliveryId: string; now: Instant },
): Promise<void> {
  const paymentId = paymentIdForDelivery(input.deliveryId);
  const record = await tx.get<PaymentSnapshot>('payment', paymentId);
  if (!record) return;
  const payment = Payment.fromSnapshot(record.body);
  if (!payment.settle(input.now).ok) return;
  const snapshot = payment.toSnapshot();
  await tx.put('payment', paymentId, snapshot.version, snapshot);
}
