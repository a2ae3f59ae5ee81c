import { useState } from 'react';
import { CustomerView } from './CustomerView';
import { DeliveryView } from './DeliveryView';
import { SearchBox } from './SearchBox';
import type { Selection } from './selection';

/**
 * The agent's desk during a call: search (Ctrl+K), the customer, and the
 * delivery they are calling about — all from the local replica, so it keeps
 * working offline; commands queue and show their progress.
 */
export function AgentWorkspace({
  initial = null,
}: {
  /** A delivery to show at once (opened from an escalation or the audit trail). */
  initial?: { deliveryId: string; customerId: string | null } | null;
}) {
  const [customerId, setCustomerId] = useState<string | null>(initial?.customerId ?? null);
  const [deliveryId, setDeliveryId] = useState<string | null>(initial?.deliveryId ?? null);

  const open = (s: Selection): void => {
    if (s.kind === 'account') {
      setCustomerId(s.id);
      setDeliveryId(null);
    } else {
      setDeliveryId(s.id);
      if (s.customerId) setCustomerId(s.customerId);
    }
  };

  return (
    <main className="agent" aria-label="Customers and deliveries">
      <h1 className="sr-only">Customers and deliveries</h1>
      <SearchBox onOpen={open} />
      {customerId === null && deliveryId === null ? (
        <p className="agent-empty">
          Find the caller by name, phone, email, address or parcel tag — press Ctrl+K to search.
        </p>
      ) : (
        <div className="agent-columns">
          {customerId !== null && (
            <CustomerView
              customerId={customerId}
              selectedDelivery={deliveryId}
              openDelivery={(id) => setDeliveryId(id)}
            />
          )}
          {deliveryId !== null && (
            <DeliveryView
              key={deliveryId}
              deliveryId={deliveryId}
              onCustomerKnown={setCustomerId}
            />
          )}
        </div>
      )}
    </main>
  );
}
