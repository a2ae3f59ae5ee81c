import { useEffect, useState } from 'react';
import './fleet-alerts.css';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { AlertAckControl } from './AlertAckControl';
import { formatClock } from './fleet-model';
import { droneSelected, selectAlerts } from './fleet-slice';
import { covers, gatewayAlert, useAlertAcks, type AlertItem } from './use-alert-acks';

/** Rows shown per list; the heading keeps the full count. */
const MAX_ROWS = 50;

/**
 * Alerts people work: open ones nag (counted in the heading), acknowledged ones move to a
 * folded list with who took them, when and why, until their cause changes.
 */
export function Alerts() {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  const telemetry = useAppSelector((s) => s.sync.status?.telemetry ?? null);
  const lastFixAt = useAppSelector((s) => s.fleet.lastFixAt);
  const region = useAppSelector((s) => s.regionStatus.status);
  // Held while this desk's own telemetry path is down (see selectAlerts); only a path that
  // was up and went down is news (a desk still connecting just has not heard yet).
  const held = telemetry !== null && telemetry.state !== 'online';
  const pathDown = held && telemetry.detail !== 'connecting';
  const droneAlerts = useAppSelector((s) => selectAlerts(s, now, held));
  const acks = useAlertAcks();
  const dispatch = useAppDispatch();
  const gateway = gatewayAlert(region);
  const all: AlertItem[] = [...(gateway ? [gateway] : []), ...droneAlerts];
  const open = all.filter((a) => !covers(acks.get(a.key), a));
  const taken = all.filter((a) => covers(acks.get(a.key), a));
  const count = open.length + (pathDown ? 1 : 0);
  return (
    <section aria-labelledby="fleet-alerts-h" className="fleet-alerts">
      <h2 id="fleet-alerts-h">
        Alerts ({count}
        {held ? '; per-drone telemetry alerts held' : ''})
      </h2>
      {count === 0 ? (
        <p>No open alerts.</p>
      ) : (
        <ul aria-label="Alerts">
          {pathDown && (
            <li className="alert-path-down">
              Telemetry path down: this desk receives no drone positions
              {lastFixAt === null ? '' : ` since ${formatClock(lastFixAt)}`}; drones are not
              reported as lost while it is down.
            </li>
          )}
          {open.slice(0, MAX_ROWS).map((a) => {
            const earlier = acks.get(a.key);
            return (
              <li key={a.key} className={`alert-${a.kind}`} data-alert={a.key}>
                {a.critical && <strong className="badge state-failed">Critical</strong>}{' '}
                {a.droneId === null ? (
                  <span>{a.text}</span>
                ) : (
                  <button
                    type="button"
                    className="alert-drone"
                    onClick={() => dispatch(droneSelected(a.droneId))}
                  >
                    {a.text}
                  </button>
                )}{' '}
                <AlertAckControl alert={a} />
                {earlier && (
                  <p className="muted">
                    Acknowledged by {earlier.userId} at {formatClock(earlier.at)} — it has changed
                    since.
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {taken.length > 0 && (
        <details className="alerts-taken">
          <summary>Acknowledged ({taken.length})</summary>
          <ul aria-label="Acknowledged alerts">
            {taken.slice(0, MAX_ROWS).map((a) => {
              const ack = acks.get(a.key);
              return (
                <li key={a.key} data-alert={a.key}>
                  {a.text} — {ack?.userId} at {ack ? formatClock(ack.at) : ''}
                  {ack?.reason ? `: ${ack.reason}` : ''}
                </li>
              );
            })}
          </ul>
        </details>
      )}
    </section>
  );
}
