import type { AccountSnapshot } from '../../domain/accounts';
import type { PaymentSnapshot } from '../../domain/payments';
import type { DeliverySnapshot } from '../../domain/shipping';
import type { SubjectView } from '../contract';
import type { RecordReader } from '../replica';

/**
 * Customer name and parcel tag for the ids an entry carries, from this desk's replica — so
 * lists say "Clara Kaya — parcel PKG-511B", not `pay-000034`. Null fields when this role does
 * not replicate them (fleet managers get no accounts) or the record has not arrived yet.
 */
export function subjectOf(reader: RecordReader) {
  return (
    customerId: string | null,
    deliveryId: string | null,
    paymentId: string | null,
  ): SubjectView => {
    const delivery = deliveryId ? reader.get<DeliverySnapshot>('delivery', deliveryId) : undefined;
    const cid = customerId ?? delivery?.body.customerId ?? null;
    const account = cid ? reader.get<AccountSnapshot>('account', cid) : undefined;
    return {
      customerId: cid,
      customerName: account?.body.name ?? null,
      deliveryId,
      parcelTag: delivery?.body.parcel.tag ?? null,
      paymentId,
    };
  };
}

/** The subject of a command's target record (a payment or a delivery). */
export function subjectOfTarget(reader: RecordReader, kind: 'payment' | 'delivery', id: string) {
  const subject = subjectOf(reader);
  if (kind === 'delivery') return subject(null, id, null);
  const payment = reader.get<PaymentSnapshot>('payment', id);
  return subject(payment?.body.customerId ?? null, payment?.body.deliveryId ?? null, id);
}
