import type { OutboxEntryView } from '../contract';
import type { OutboxEntry } from './outbox-store';

/**
 * One line an operator can read in the pending / needs-attention lists. No record ids: the
 * UI names the customer and the parcel next to it (`records.subject`, from the target).
 */
export function describeCommand(entry: OutboxEntry): string {
  const p = entry.command.payload as unknown as Record<string, unknown>;
  switch (entry.command.name) {
    case 'payments.changeMethod':
      return 'Change of payment method';
    case 'shipping.cancelDelivery':
      return 'Cancel delivery';
    case 'shipping.rescheduleDelivery':
      return 'Reschedule delivery';
    case 'shipping.assignDrone':
      return `Assign ${String(p['droneId'])}`;
    case 'payments.retryVoid':
      return 'Retry the void of a refused hold';
    case 'payments.resolveEscalation':
      return 'Resolve a payment escalation';
  }
}

export function toEntryView(entry: OutboxEntry): OutboxEntryView {
  return {
    idempotencyKey: entry.idempotencyKey,
    name: entry.name,
    state: entry.state,
    target: entry.overlay ? { kind: entry.overlay.kind, id: entry.overlay.id } : targetOf(entry),
    summary: describeCommand(entry),
    attempts: entry.attempts,
    error: entry.errorCode ? { code: entry.errorCode, reason: entry.errorReason ?? '' } : null,
    // Without a code, error_reason holds a note, not an error (see OutboxStore.backOff, reconcile).
    note:
      !entry.errorCode && (entry.state === 'queued' || entry.state === 'processing')
        ? entry.errorReason
        : null,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}

function targetOf(entry: OutboxEntry): { kind: string; id: string } | null {
  const p = entry.command.payload as unknown as Record<string, unknown>;
  if (typeof p['paymentId'] === 'string') return { kind: 'payment', id: p['paymentId'] };
  if (typeof p['deliveryId'] === 'string') return { kind: 'delivery', id: p['deliveryId'] };
  return null;
}
