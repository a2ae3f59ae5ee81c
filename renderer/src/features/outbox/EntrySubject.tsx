import { useEffect, useState } from 'react';
import type { OutboxEntryView, SubjectView } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import { SubjectLink, type OpenDelivery } from '../../shared/subject';

/**
 * "for Clara Kaya — parcel PKG-511B": who and what a pending entry is about, from the desk's
 * replica, linking to the delivery where this role has the delivery view (`open`).
 */
export function EntrySubject({
  target,
  open,
}: {
  target: OutboxEntryView['target'];
  open: OpenDelivery | null;
}) {
  const client = useOperator();
  const [subject, setSubject] = useState<SubjectView | null>(null);
  const kind = target?.kind;
  const id = target?.id;
  useEffect(() => {
    if ((kind !== 'payment' && kind !== 'delivery') || !id) return;
    void client.call('records.subject', { kind, id }).then((r) => {
      if (r.ok) setSubject(r.value);
    });
  }, [client, kind, id]);
  if (!subject?.deliveryId) return null;
  const text = `${subject.customerName ?? 'customer not on this desk'} — parcel ${subject.parcelTag ?? subject.deliveryId}`;
  return (
    <span className="entry-subject">
      {' for '}
      {open ? <SubjectLink s={subject} open={open} /> : text}
    </span>
  );
}
