import type { SubjectView } from '../../../app/contract';

/** Opens a delivery in the customers & deliveries view. */
export type OpenDelivery = (target: { deliveryId: string; customerId: string | null }) => void;

/** "Ada Lovelace — parcel BER-4411" with a link to the delivery; ids only when names are unknown. */
export function SubjectLink({ s, open }: { s: SubjectView; open: OpenDelivery }) {
  const who = s.customerName ?? s.customerId ?? 'Unknown customer';
  const what = s.parcelTag ? `parcel ${s.parcelTag}` : (s.deliveryId ?? 'no delivery');
  if (!s.deliveryId) return <span>{who}</span>;
  const deliveryId = s.deliveryId;
  return (
    <button
      type="button"
      className="link"
      onClick={() => open({ deliveryId, customerId: s.customerId })}
    >
      {who} — {what}
    </button>
  );
}

export const localTime = (ms: number): string =>
  new Date(ms).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
