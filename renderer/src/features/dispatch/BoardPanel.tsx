import { useState, type SyntheticEvent } from 'react';
import type {
  ApiResult,
  DeliveryBoardView,
  MarkView,
  PriorityView,
} from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import { useAppSelector } from '../../app/store';
import { PRIORITY_LABEL, markText } from './dispatch-format';

const PRIORITIES: readonly PriorityView[] = ['normal', 'high', 'urgent'];

/**
 * Shared delivery state on the region's board: claim, priority and VIP flags, checklist.
 * Written locally (works offline), seen by every desk of the region as soon as it syncs.
 */
export function BoardPanel({
  deliveryId,
  board,
  onChanged,
}: {
  deliveryId: string;
  board: DeliveryBoardView | null;
  onChanged: (b: DeliveryBoardView) => void;
}) {
  const client = useOperator();
  const me = useAppSelector((s) => s.session.userId);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState('');

  const run = async (call: Promise<ApiResult<DeliveryBoardView>>): Promise<boolean> => {
    const r = await call;
    if (r.ok) {
      setError(null);
      onChanged(r.value);
    } else setError(r.error.message);
    return r.ok;
  };
  const addItem = async (e: SyntheticEvent): Promise<void> => {
    e.preventDefault();
    if (await run(client.call('collab.addChecklistItem', { deliveryId, label: label.trim() })))
      setLabel('');
  };

  if (board === null) return <p role="status">Shared state is not available on this desk yet.</p>;
  const mine = board.claim?.userId === me;
  return (
    <div className="board-panel">
      <section aria-labelledby="claim-h" className="card">
        <h3 id="claim-h">Handled by</h3>
        <p role="status" data-testid="claim">
          {board.claim ? markText(board.claim) : 'Nobody is handling this delivery.'}
        </p>
        {board.claim === null && (
          <button
            type="button"
            onClick={() => void run(client.call('collab.claim', { deliveryId }))}
          >
            I'm handling it
          </button>
        )}
        {mine && (
          <button
            type="button"
            onClick={() => void run(client.call('collab.release', { deliveryId }))}
          >
            Release
          </button>
        )}
      </section>
      <section aria-labelledby="flags-h" className="card">
        <h3 id="flags-h">Flags</h3>
        <label>
          Priority{' '}
          <select
            value={board.flags.priority}
            onChange={(e) =>
              void run(
                client.call('collab.setPriority', {
                  deliveryId,
                  priority: PRIORITIES.find((p) => p === e.target.value) ?? 'normal',
                }),
              )
            }
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABEL[p]}
              </option>
            ))}
          </select>
        </label>
        <SetBy mark={board.flagMarks.priority} />
        <br />
        <label>
          <input
            type="checkbox"
            checked={board.flags.vip}
            onChange={(e) =>
              void run(client.call('collab.setVip', { deliveryId, vip: e.target.checked }))
            }
          />{' '}
          VIP customer
        </label>
        <SetBy mark={board.flagMarks.vip} />
      </section>
      <section aria-labelledby="checklist-h" className="card">
        <h3 id="checklist-h">Checklist</h3>
        {board.checklist.length === 0 ? (
          <p>No checklist items.</p>
        ) : (
          <ul className="checklist" aria-labelledby="checklist-h">
            {board.checklist.map((item) => (
              <li key={item.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={item.done}
                    onChange={() =>
                      void run(
                        client.call('collab.toggleChecklistItem', { deliveryId, itemId: item.id }),
                      )
                    }
                  />{' '}
                  {item.label}
                </label>
                <span className="muted">
                  {' '}
                  (added by {markText({ userId: item.createdBy, at: item.createdAt }, 'at')}
                  {item.doneBy !== null &&
                    item.doneAt !== null &&
                    `; done by ${markText({ userId: item.doneBy, at: item.doneAt }, 'at')}`}
                  )
                </span>
              </li>
            ))}
          </ul>
        )}
        <form aria-label="Add checklist item" onSubmit={(e) => void addItem(e)}>
          <label htmlFor="new-check">New item</label>{' '}
          <input
            id="new-check"
            value={label}
            maxLength={200}
            onChange={(e) => setLabel(e.target.value)}
          />{' '}
          <button type="submit" disabled={label.trim() === ''}>
            Add item
          </button>
        </form>
      </section>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}

/** " set by fm-1 at 14:02" next to a flag, once someone set it. */
function SetBy({ mark }: { mark: MarkView | null }) {
  return mark ? <span className="muted"> set by {markText(mark, 'at')}</span> : null;
}
