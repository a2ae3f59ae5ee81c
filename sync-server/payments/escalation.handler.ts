import { Payment, type PaymentSnapshot } from '../../domain/payments';
import { notFound, rejected, type CommandHandler } from '../commands';

/**
 * payments.retryVoid (supervisor): the domain decides whether the refused release may be voided
 * again; accepted, it answers "processing" and the PaymentChangeProcessor makes the call.
 */
export function retryVoidHandler(
  kick: (paymentId: string) => void,
): CommandHandler<'payments.retryVoid'> {
  return async (command, { tx, now }) => {
    const { paymentId, expectedVersion } = command.payload;
    const target = { kind: 'payment', id: paymentId } as const;
    const record = await tx.get<PaymentSnapshot>('payment', paymentId);
    if (!record) return notFound('payment', paymentId);
    const payment = Payment.fromSnapshot(record.body);
    const retried = payment.retryVoid({ expectedVersion, at: now });
    if (!retried.ok) return rejected(retried.error.code, retried.error.message, target);
    const snapshot = payment.toSnapshot();
    await tx.put('payment', paymentId, snapshot.version, snapshot);
    return {
      outcome: { status: 'accepted', resultingVersion: snapshot.version },
      target,
      afterCommit: () => {
        kick(paymentId);
      },
    };
  };
}

/** payments.resolveEscalation (supervisor): closes the open escalation with a written reason. */
export const resolveEscalationHandler: CommandHandler<'payments.resolveEscalation'> = async (
  command,
  { tx, now },
) => {
  const { paymentId, expectedVersion, reason } = command.payload;
  const target = { kind: 'payment', id: paymentId } as const;
  const record = await tx.get<PaymentSnapshot>('payment', paymentId);
  if (!record) return notFound('payment', paymentId);
  const payment = Payment.fromSnapshot(record.body);
  const resolved = payment.resolveEscalation({
    expectedVersion,
    reason,
    by: command.issuedBy.userId,
    at: now,
  });
  if (!resolved.ok) return rejected(resolved.error.code, resolved.error.message, target);
  const snapshot = payment.toSnapshot();
  await tx.put('payment', paymentId, snapshot.version, snapshot);
  return { outcome: { status: 'accepted', resultingVersion: snapshot.version }, target };
};
