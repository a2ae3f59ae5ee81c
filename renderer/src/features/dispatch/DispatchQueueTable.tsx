import type { DispatchQueueEntry } from '../../../../app/contract';
import { PRIORITY_LABEL, kg, markText, windowText } from './dispatch-format';
import type { QueueShow } from './use-dispatch';

/** The queue as a table: one button per delivery, so it works from the keyboard alone. */
export function DispatchQueueTable({
  entries,
  show,
  selected,
  onSelect,
}: {
  entries: readonly DispatchQueueEntry[];
  show: QueueShow;
  selected: string | null;
  onSelect: (deliveryId: string) => void;
}) {
  if (entries.length === 0)
    return (
      <p>
        {show === 'waiting'
          ? 'No delivery is waiting for a drone.'
          : 'No scheduled delivery is waiting for its drone to leave.'}
      </p>
    );
  const reassigning = show === 'scheduled';
  return (
    <table aria-label="Dispatch queue">
      <thead>
        <tr>
          <th scope="col">Parcel</th>
          <th scope="col">Window</th>
          <th scope="col">Zone</th>
          {reassigning && <th scope="col">Drone</th>}
          <th scope="col">Payload</th>
          <th scope="col">Flags</th>
          <th scope="col">Handled by</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.deliveryId} data-delivery={e.deliveryId}>
            <th scope="row">
              <button
                type="button"
                aria-pressed={e.deliveryId === selected}
                onClick={() => onSelect(e.deliveryId)}
              >
                {e.parcel.tag}
              </button>
              {e.pending.length > 0 && (
                <span className="badge state-queued">
                  {reassigning ? ' reassignment pending' : ' assignment pending'}
                </span>
              )}
            </th>
            <td>{windowText(e.window)}</td>
            <td>{e.zone?.name ?? 'outside every zone'}</td>
            {reassigning && <td>{e.droneId ?? '—'}</td>}
            <td>
              {kg(e.parcel.weightGrams)} ({e.parcel.size})
            </td>
            <td>
              {e.board &&
                e.board.flags.priority !== 'normal' &&
                PRIORITY_LABEL[e.board.flags.priority]}
              {e.board?.flags.vip && ' VIP'}
            </td>
            <td>{e.board?.claim ? markText(e.board.claim) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
