import { useRef, useState } from 'react';
import type { DispatchQueueEntry } from '../../../../app/contract';
import './dispatch.css';
import { DeliveryDispatchPanel } from './DeliveryDispatchPanel';
import { DispatchQueueTable } from './DispatchQueueTable';
import { useDispatchQueue } from './use-dispatch';

/** Dispatch: deliveries waiting for a drone (left) and the chosen one's board and candidates. */
export function DispatchView() {
  const { queue, error } = useDispatchQueue();
  const [selected, setSelected] = useState<string | null>(null);
  const entry = queue?.entries.find((e) => e.deliveryId === selected) ?? null;
  // The last queue entry of each delivery seen: one that left the queue (assigned) is still
  // named by its parcel, window and zone while its panel shows how the assignment went.
  const seen = useRef(new Map<string, DispatchQueueEntry>());
  for (const e of queue?.entries ?? []) seen.current.set(e.deliveryId, e);
  return (
    <main aria-label="Dispatch" className="dispatch">
      <section aria-labelledby="dispatch-queue-h" className="dispatch-queue">
        <h2 id="dispatch-queue-h">
          Waiting for a drone
          {queue &&
            ` (${String(queue.entries.length)}${queue.total > queue.entries.length ? ` of ${String(queue.total)}` : ''})`}
        </h2>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {queue === null ? (
          <p role="status">Loading the queue…</p>
        ) : (
          <DispatchQueueTable entries={queue.entries} selected={selected} onSelect={setSelected} />
        )}
      </section>
      {selected ? (
        <DeliveryDispatchPanel
          deliveryId={selected}
          entry={entry ?? seen.current.get(selected) ?? null}
          waiting={entry !== null}
        />
      ) : (
        <section className="dispatch-detail" aria-label="Delivery">
          <p>Choose a delivery in the queue to claim it, flag it or assign a drone.</p>
        </section>
      )}
    </main>
  );
}
