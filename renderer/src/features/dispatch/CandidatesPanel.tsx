import { useState } from 'react';
import type { OutboxEntryView } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';
import { CommandProgress } from '../../shared/CommandProgress';
import { timeOnly } from '../../shared/format';
import { REASON_LABEL, kg, km } from './dispatch-format';
import { useCandidates } from './use-dispatch';

/** Rows shown: the best few are what a fleet manager picks from; the rest explain why not. */
const MAX_ROWS = 12;

/**
 * The scheduler's candidates for one delivery (the domain's rule, the one the server applies),
 * and the assignment once sent: saved → sent → done, or the server's reason for refusing it.
 */
export function CandidatesPanel({
  deliveryId,
  waiting,
  reassign,
}: {
  deliveryId: string;
  waiting: boolean;
  /** The delivery has a drone: the same command moves it to the chosen one (server: assignDrone). */
  reassign: boolean;
}) {
  const verb = reassign ? 'Reassign' : 'Assign';
  const client = useOperator();
  const view = useCandidates(deliveryId);
  const [sent, setSent] = useState<{ deliveryId: string; entry: OutboxEntryView } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const assign = async (droneId: string): Promise<void> => {
    const r = await client.call('shipping.assignDrone', { deliveryId, droneId });
    if (r.ok) {
      setError(null);
      setSent({ deliveryId, entry: r.value });
    } else setError(r.error.message);
  };
  const progress = sent?.deliveryId === deliveryId ? sent.entry : null;
  return (
    <section aria-labelledby="candidates-h" className="card">
      <h3 id="candidates-h">
        {reassign ? 'Other drones for this delivery' : 'Drones for this delivery'}
      </h3>
      {progress && <CommandProgress entry={progress} label={`${verb} drone`} />}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!waiting ? null : view === null ? (
        <p role="status">Ranking drones…</p>
      ) : (
        <table aria-label="Drone candidates">
          <thead>
            <tr>
              <th scope="col">Drone</th>
              <th scope="col">Battery (route + reserve)</th>
              <th scope="col">Payload</th>
              <th scope="col">Distance</th>
              <th scope="col">ETA</th>
              <th scope="col">{verb}</th>
            </tr>
          </thead>
          <tbody>
            {view.candidates.slice(0, MAX_ROWS).map((c) => (
              <tr key={c.droneId} data-drone={c.droneId} data-eligible={c.eligible}>
                <th scope="row">
                  {c.droneId} <span className="muted">{c.modelName}</span>
                </th>
                <td>
                  {Math.round(c.batteryPct)} % ({Math.ceil(c.batteryNeededPct)} + {c.reservePct} %)
                </td>
                <td>up to {kg(c.maxPayloadGrams)}</td>
                <td>
                  {km(c.distanceToPickupMeters)} to pickup, {km(c.routeMeters)} route
                </td>
                <td>{c.arrivesAt === null ? '—' : timeOnly(c.arrivesAt)}</td>
                <td>
                  {c.eligible ? (
                    <button type="button" onClick={() => void assign(c.droneId)}>
                      {reassign ? `Reassign to ${c.droneId}` : `Assign ${c.droneId}`}
                    </button>
                  ) : (
                    <span>{c.reason ? REASON_LABEL[c.reason] : 'not available'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
