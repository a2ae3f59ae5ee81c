import type { OutboxEntryView } from '../contract';
import type { OutboxEntry } from './outbox-store';

/** One line an operator can read in the pending / needs-attention lists. */
export function describeCommand(entry: OutboxEntry): string {
  const p = entry.command.payload as unknown as Record<string, unknown>;
  switch (entry.command.name) {
    case 'payments.changeMethod':
      return `Change payment method of ${String(p['paymentId'])}`;
    case 'shipping.cancelDelivery':
      return `Cancel ${String(p['deliveryId'])}`;
    case 'shipping.rescheduleDelivery':
      return `Reschedule ${String(p['deliveryId'])}`;
    case 'shipping.assignDrone':
      return `Assign ${String(p['droneId'])} to ${String(p['deliveryId'])}`;
    case 'payments.retryVoid':
      return `Retry the void of ${String(p['paymentId'])}`;
    case 'payments.resolveEscalation':
      return `Resolve the escalation of ${String(p['paymentId'])}`;
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
