import type { PaymentSnapshot } from '../../domain/payments';
import type { AuditEntry, Command, CommandOutcome } from '../../domain/protocol';
import type { DeliverySnapshot } from '../../domain/shipping';
import type { RecordTx } from '../records';

/** Where a command acted: the customer, order and payment an audit line is searchable by. */
async function subjectOf(
  tx: RecordTx,
  target: { readonly kind: string; readonly id: string } | null,
): Promise<Pick<AuditEntry, 'customerId' | 'deliveryId' | 'paymentId'>> {
  if (target?.kind === 'payment') {
    const p = await tx.get<PaymentSnapshot>('payment', target.id);
    return {
      customerId: p?.body.customerId ?? null,
      deliveryId: p?.body.deliveryId ?? null,
      paymentId: target.id,
    };
  }
  if (target?.kind === 'delivery') {
    const d = await tx.get<DeliverySnapshot>('delivery', target.id);
    // The store has no payment-by-delivery index; the release steps that follow carry it.
    return { customerId: d?.body.customerId ?? null, deliveryId: target.id, paymentId: null };
  }
  return { customerId: null, deliveryId: null, paymentId: null };
}

/** What an auditor reads in "detail": the operator's own words or the choice they made. */
function detailOf(command: Command): string | null {
  switch (command.name) {
    case 'payments.resolveEscalation':
    case 'shipping.cancelDelivery':
      return command.payload.reason;
    case 'shipping.assignDrone':
      return `drone ${command.payload.droneId}`;
    case 'shipping.rescheduleDelivery':
      return `window ${String(command.payload.window.start)}–${String(command.payload.window.end)}`;
    case 'payments.changeMethod':
    case 'payments.retryVoid':
      return null;
  }
}

/** The id of a command's own audit line (gateway steps add `#<step>` to the key instead). */
export const commandAuditEntryId = (key: string): string => `${key}#command`;

/**
 * The audit line of one applied command, in the command's own transaction (so the trail
 * never misses or invents one). A repeat of the key writes nothing: version 1 only once.
 */
export async function auditCommand(
  tx: RecordTx,
  command: Command,
  outcome: CommandOutcome,
  target: { readonly kind: string; readonly id: string } | null,
  acceptedAt: number,
  /** From the handler, when it knows more than the command says (see HandlerResult). */
  detail?: string,
): Promise<void> {
  const entry: AuditEntry = {
    id: commandAuditEntryId(command.idempotencyKey),
    event: 'command',
    at: acceptedAt,
    commandKey: command.idempotencyKey,
    command: command.name,
    userId: command.issuedBy.userId,
    role: command.issuedBy.role,
    desktopId: command.issuedBy.desktopId,
    issuedAt: command.issuedAt,
    acceptedAt,
    outcome: outcome.status,
    code: outcome.status === 'rejected' ? outcome.code : null,
    detail: detail ?? detailOf(command),
    ...(await subjectOf(tx, target)),
  };
  await tx.put('audit', entry.id, 1, entry, null);
}

/**
 * One gateway step of the payment work a command started (a method change, a release), in
 * the transaction that commits the step. Issuer fields come from the command's own line.
 */
export async function auditGatewayStep(
  tx: RecordTx,
  input: {
    readonly commandKey: string;
    readonly step: string;
    readonly outcome: string;
    readonly code: string | null;
    readonly detail: string;
    readonly payment: PaymentSnapshot;
    readonly at: number;
  },
): Promise<void> {
  const origin = (await tx.get<AuditEntry>('audit', commandAuditEntryId(input.commandKey)))?.body;
  const entry: AuditEntry = {
    id: `${input.commandKey}#${input.step}`,
    event: 'gateway-step',
    at: input.at,
    commandKey: input.commandKey,
    command: origin?.command ?? 'unknown',
    userId: origin?.userId ?? 'unknown',
    role: origin?.role ?? 'agent',
    desktopId: origin?.desktopId ?? 'unknown',
    issuedAt: origin?.issuedAt ?? input.at,
    acceptedAt: origin?.acceptedAt ?? input.at,
    outcome: input.outcome,
    code: input.code,
    detail: input.detail,
    customerId: input.payment.customerId,
    deliveryId: input.payment.deliveryId,
    paymentId: input.payment.id,
  };
  await tx.put('audit', entry.id, 1, entry, null);
}
