import { Payment, type PaymentSnapshot } from '../../domain/payments';
import type { Result } from '../../domain/shared';
import {
  notFound,
  rejected,
  type CommandHandler,
  type HandlerContext,
  type HandlerResult,
} from '../commands';

/** Loads the payment, lets the domain decide (`act`), and writes it if accepted. */
async function onPayment(
  ctx: HandlerContext,
  paymentId: string,
  act: (payment: Payment) => Result<void>,
  afterCommit?: () => void,
): Promise<HandlerResult> {
  const target = { kind: 'payment', id: paymentId } as const;
  const record = await ctx.tx.get<PaymentSnapshot>('payment', paymentId);
  if (!record) return notFound('payment', paymentId);
  const payment = Payment.fromSnapshot(record.body);
  const done = act(payment);
  if (!done.ok) return rejected(done.error.code, done.error.message, target);
  const snapshot = payment.toSnapshot();
  await ctx.tx.put('payment', paymentId, snapshot.version, snapshot);
  return {
    outcome: { status: 'accepted', resultingVersion: snapshot.version },
    target,
    ...(afterCommit ? { afterCommit } : {}),
  };
}

/**
 * payments.retryVoid (supervisor): the domain decides whether the refused release may be voided
 * again; accepted, the PaymentChangeProcessor makes the call under a new gateway key.
 */
export function retryVoidHandler(
  kick: (paymentId: string) => void,
): CommandHandler<'payments.retryVoid'> {
  return (command, ctx) => {
    const { paymentId, expectedVersion } = command.payload;
    return onPayment(
      ctx,
      paymentId,
      (p) => p.retryVoid({ expectedVersion, at: ctx.now }),
      () => {
        kick(paymentId);
      },
    );
  };
}

/** payments.resolveEscalation (supervisor): closes the open escalation with a written reason. */
export const resolveEscalationHandler: CommandHandler<'payments.resolveEscalation'> = (
  command,
  ctx,
) => {
  const { paymentId, expectedVersion, reason } = command.payload;
  return onPayment(ctx, paymentId, (p) =>
    p.resolveEscalation({ expectedVersion, reason, by: command.issuedBy.userId, at: ctx.now }),
  );
};
