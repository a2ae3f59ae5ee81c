import { Payment, paymentIdForDelivery, type PaymentSnapshot } from '../../domain/payments';
import { asId, type Instant } from '../../domain/shared';
import type { RecordTx } from '../records';

/**
 * The payments context's reaction to a cancelled delivery order: mark its
 * payment for release inside the cancel's own transaction (so a crash cannot
 * separate "cancelled" from "hold to be voided"); the PaymentChangeProcessor
 * then voids the hold through the gateway, keyed by the cancel command.
 * Returns the payment to kick after commit, or null when there is nothing to do.
 */
export async function requestPaymentRelease(
  tx: RecordTx,
  input: { deliveryId: string; cancelKey: string; reason: string; now: Instant },
): Promise<string | null> {
  const paymentId = paymentIdForDelivery(input.deliveryId);
  const record = await tx.get<PaymentSnapshot>('payment', paymentId);
  if (!record) return null;
  const payment = Payment.fromSnapshot(record.body);
  // A settled payment cannot be released; a cancel never reaches one (cancel is
  // refused after pickup, and capture happens at drop-off), so this is only a guard.
  if (
    !payment.requestRelease({
      key: asId('IdempotencyKey', input.cancelKey),
      reason: input.reason,
      at: input.now,
    }).ok
  )
    return null;
  const snapshot = payment.toSnapshot();
  if (snapshot.version !== record.version)
    await tx.put('payment', paymentId, snapshot.version, snapshot);
  return payment.gatewayWorkPending ? paymentId : null;
}
