import { paymentIdForDelivery } from '../../domain/payments';
import type { Command } from '../../domain/protocol';
import { commandAuditEntryId } from '../audit';
import type { RecordKey } from '../records';

/**
 * The records applying `command` will most likely read or write: its idempotency record, its
 * audit line, and the delivery or payment its payload names (with a delivery, the payment
 * that pays for it, which a cancel releases). Only a prefetch hint for a batch chunk
 * (`RecordTx.prefetch`, issue 11): one round trip for the whole chunk instead of one per
 * record while the feed's writer lock is held. A record missing here is simply read when
 * needed; one listed but unused costs an index lookup.
 */
export function commandFootprint(command: Command): RecordKey[] {
  const keys: RecordKey[] = [
    { kind: 'command', id: command.idempotencyKey },
    { kind: 'audit', id: commandAuditEntryId(command.idempotencyKey) },
  ];
  const payload = command.payload as { readonly deliveryId?: string; readonly paymentId?: string };
  if (payload.deliveryId !== undefined)
    keys.push(
      { kind: 'delivery', id: payload.deliveryId },
      { kind: 'payment', id: paymentIdForDelivery(payload.deliveryId) },
    );
  if (payload.paymentId !== undefined) keys.push({ kind: 'payment', id: payload.paymentId });
  return keys;
}
