import { Account, type AccountSnapshot } from '../../domain/accounts';
import { Payment, type PaymentSnapshot } from '../../domain/payments';
import { asId } from '../../domain/shared';
import { notFound, rejected, type CommandHandler } from '../commands';

/**
 * payments.changeMethod: the new method must be on file for the payment's
 * customer; the domain decides whether the change may start. Accepted changes
 * answer "processing" — the gateway work happens in the PaymentChangeProcessor.
 */
export function changeMethodHandler(
  kick: (paymentId: string) => void,
): CommandHandler<'payments.changeMethod'> {
  return async (command, { tx, now }) => {
    const { paymentId, expectedVersion, newMethodToken } = command.payload;
    const target = { kind: 'payment', id: paymentId } as const;
    const record = await tx.get<PaymentSnapshot>('payment', paymentId);
    if (!record) return notFound('payment', paymentId);
    const account = await tx.get<AccountSnapshot>('account', record.body.customerId);
    if (!account) return notFound('account', record.body.customerId);
    const method = Account.fromSnapshot(account.body).methodOnFile(newMethodToken);
    if (!method.ok) return rejected(method.error.code, method.error.message, target);
    const payment = Payment.fromSnapshot(record.body);
    const started = payment.requestMethodChange({
      commandId: asId('Command', command.idempotencyKey),
      newMethod: method.value,
      expectedVersion,
      at: now,
    });
    if (!started.ok) return rejected(started.error.code, started.error.message, target);
    const snapshot = payment.toSnapshot();
    await tx.put('payment', paymentId, snapshot.version, snapshot);
    return {
      outcome: { status: 'processing', resultingVersion: snapshot.version },
      target,
      afterCommit: () => {
        kick(paymentId);
      },
    };
  };
}
