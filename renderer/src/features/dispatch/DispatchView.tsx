import { useRef, useState } from 'react';
import type { DispatchQueueEntry } from '../../../../app/contract';
import './dispatch.css';
import { DeliveryDispatchPanel } from './DeliveryDispatchPanel';
import { DispatchQueueTable } from './DispatchQueueTable';
import { useDispatchQueue, type QueueShow } from './use-dispatch';

const LIST_TITLE: Record<QueueShow, string> = {
  waiting: 'Waiting for a drone',
  scheduled: 'Scheduled (drone not yet left)',
};

/**
 * Dispatch: deliveries waiting for a drone, or scheduled ones to reassign (left), and the chosen
 * one's board and candidates.
 */
export function DispatchView() {
  const [show, setShow] = useState<QueueShow>('waiting');
  const { queue, error } = useDispatchQueue(show);
  const [selected, setSelected] = useState<string | null>(null);
  const choose = (next: QueueShow): void => {
    setShow(next);
    setSelected(null);
  };
  const entry = queue?.entries.find((e) => e.deliveryId === selected) ?? null;
  // The last queue entry of each delivery seen: one that left the queue (assigned) is still
  // named by its parcel, window and zone while its panel shows how the assignment went.
  const seen = useRef(new Map<string, DispatchQueueEntry>());
  for (const e of queue?.entries ?? []) seen.current.set(e.deliveryId, e);
  return (
    <main aria-label="Dispatch" className="dispatch">
      <section aria-labelledby="dispatch-queue-h" className="dispatch-queue">
        <div role="group" aria-label="Which deliveries">
          {(['waiting', 'scheduled'] as const).map((s) => (
            <button key={s} type="button" aria-pressed={show === s} onClick={() => choose(s)}>
              {LIST_TITLE[s]}
            </button>
          ))}
        </div>
        <h2 id="dispatch-queue-h">
          {LIST_TITLE[show]}
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
          <DispatchQueueTable
            entries={queue.entries}
            show={show}
            selected={selected}
            onSelect={setSelected}
          />
        )}
      </section>
      {selected ? (
        <DeliveryDispatchPanel
          deliveryId={selected}
          entry={entry ?? seen.current.get(selected) ?? null}
          waiting={entry !== null}
          reassign={show === 'scheduled'}
        />
      ) : (
        <section className="dispatch-detail" aria-label="Delivery">
          <p>
            Choose a delivery in the queue to claim it, flag it or{' '}
            {show === 'scheduled' ? 'give it another drone' : 'assign a drone'}.
          </p>
        </section>
      )}
    </main>
  );
}
