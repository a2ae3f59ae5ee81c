import { useEffect, useState } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { formatClock } from './fleet-model';
import { droneSelected, selectAlerts } from './fleet-slice';

export function Alerts() {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  const telemetry = useAppSelector((s) => s.sync.status?.telemetry ?? null);
  const lastFixAt = useAppSelector((s) => s.fleet.lastFixAt);
  // Held while this desk's own telemetry path is down (see selectAlerts); only a path that
  // was up and went down is news (a desk still connecting just has not heard yet).
  const held = telemetry !== null && telemetry.state !== 'online';
  const pathDown = held && telemetry.detail !== 'connecting';
  const alerts = useAppSelector((s) => selectAlerts(s, now, held));
  const dispatch = useAppDispatch();
  const count = alerts.length + (pathDown ? 1 : 0);
  return (
    <section aria-labelledby="fleet-alerts-h" className="fleet-alerts">
      <h2 id="fleet-alerts-h">
        Alerts ({count}
        {held ? '; per-drone telemetry alerts held' : ''})
      </h2>
      {count === 0 ? (
        <p>No alerts.</p>
      ) : (
        <ul aria-label="Alerts">
          {pathDown && (
            <li className="alert-path-down">
              Telemetry path down: this desk receives no drone positions
              {lastFixAt === null ? '' : ` since ${formatClock(lastFixAt)}`}; drones are not
              reported as lost while it is down.
            </li>
          )}
          {alerts.slice(0, 50).map((a) => (
            <li key={a.key} className={`alert-${a.kind}`}>
              <button type="button" onClick={() => dispatch(droneSelected(a.droneId))}>
                {a.text}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
