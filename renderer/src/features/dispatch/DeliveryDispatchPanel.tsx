import type { DispatchQueueEntry } from '../../../../app/contract';
import { NotesPanel } from '../../shared/NotesPanel';
import { BoardPanel } from './BoardPanel';
import { CandidatesPanel } from './CandidatesPanel';
import { kg, windowText } from './dispatch-format';
import { useDeliveryBoard } from './use-dispatch';

/** One delivery: its shared board state, notes, and the drones that could fly it. */
export function DeliveryDispatchPanel({
  deliveryId,
  entry,
  waiting,
  reassign,
}: {
  deliveryId: string;
  /** Its queue entry, or the last one seen after it left the queue. */
  entry: DispatchQueueEntry | null;
  /** Still in the queue; once assigned the panel stays to show how that went. */
  waiting: boolean;
  /** It has a drone that has not left: the candidates offer another one. */
  reassign: boolean;
}) {
  const { board, setBoard } = useDeliveryBoard(deliveryId);
  return (
    <section className="dispatch-detail" aria-labelledby="dispatch-detail-h">
      <h2 id="dispatch-detail-h">Delivery {entry?.parcel.tag ?? deliveryId}</h2>
      {entry && (
        <p>
          {windowText(entry.window)} · {entry.zone?.name ?? 'outside every zone'} ·{' '}
          {kg(entry.parcel.weightGrams)} · customer {entry.customerId}
        </p>
      )}
      {reassign && entry?.droneId && <p>Assigned to {entry.droneId}; it has not left yet.</p>}
      {!waiting && (
        <p role="status">
          {reassign ? 'No longer reassignable (its drone left).' : 'No longer waiting for a drone.'}
        </p>
      )}
      <BoardPanel deliveryId={deliveryId} board={board} onChanged={setBoard} />
      <CandidatesPanel
        deliveryId={deliveryId}
        waiting={waiting && entry !== null && entry.pending.length === 0}
        reassign={reassign}
      />
      <NotesPanel deliveryId={deliveryId} notes={board?.notes ?? null} onAdded={() => undefined} />
    </section>
  );
}
