import { useEffect, useRef, useState, type RefObject } from 'react';
import { useOperator } from '../../app/operator-context';
import { useAppDispatch, useAppSelector } from '../../app/store';
import type { DroneLayer } from './drone-layer';
import { createFleetMap, type FleetMapHandle } from './fleet-map';
import {
  formatClock,
  SEVERITY_COLOR,
  SEVERITY_LABEL,
  STATUS_COLOR,
  STATUS_LABEL,
  STATUSES,
} from './fleet-model';
import {
  droneSelected,
  selectAlerts,
  selectDroneById,
  selectVisibleDrones,
  statusFilterToggled,
} from './fleet-slice';
import { deliveryBody, useFleetLive, type DeliveryBody } from './use-fleet-live';

/** Rows rendered in the drone table; filters narrow a larger fleet. */
const MAX_ROWS = 300;

/** Fleet map: live drones on an offline basemap, filters, alerts and a keyboard-usable drone list. */
export function FleetMapView() {
  const { layer, tick } = useFleetLive();
  const dispatch = useAppDispatch();
  const container = useRef<HTMLDivElement | null>(null);
  const handle = useRef<FleetMapHandle | null>(null);
  const depots = useAppSelector((s) => s.fleet.depots);
  const zones = useAppSelector((s) => s.fleet.zones);
  const shown = useAppSelector((s) => s.fleet.shownStatuses);
  const selectedId = useAppSelector((s) => s.fleet.selectedId);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const h = createFleetMap(el, layer, (id) => dispatch(droneSelected(id)));
    layer.onFlush = (count) => {
      el.dataset['flushes'] = String(Number(el.dataset['flushes'] ?? 0) + 1);
      el.dataset['lastFlushCount'] = String(count);
    };
    handle.current = h;
    return () => {
      handle.current = null;
      h.destroy();
    };
  }, [dispatch, layer]);

  useEffect(() => {
    handle.current?.setPlaces(depots, zones);
    // What the map was given, for tests and support (a canvas cannot be read by role).
    const el = container.current;
    if (el) {
      el.dataset['depots'] = String(depots.length);
      el.dataset['zones'] = String(zones.length);
    }
  }, [depots, zones]);
  useEffect(() => layer.setVisible((s) => shown[s]), [layer, shown]);
  useEffect(() => handle.current?.setSelected(selectedId), [selectedId]);

  return (
    <main aria-label="Fleet map" className="fleet">
      <OfflineBanner />
      <div className="fleet-body">
        <div
          ref={container}
          className="fleet-map"
          role="region"
          aria-label="Map of drones, depots and service zones"
        />
        <aside className="fleet-side" aria-label="Fleet panel">
          <Filters />
          <Legend />
          <Alerts />
          <DroneDetails layer={layer} tick={tick} handle={handle} />
          <DroneTable layer={layer} handle={handle} />
        </aside>
      </div>
    </main>
  );
}

function OfflineBanner() {
  const telemetry = useAppSelector((s) => s.sync.status?.telemetry ?? null);
  const lastFixAt = useAppSelector((s) => s.fleet.lastFixAt);
  if (!telemetry || telemetry.state === 'online') return null;
  const asOf = lastFixAt ?? telemetry.lastConfirmedAt;
  return (
    <p role="status" className="fleet-offline">
      Telemetry {telemetry.state}. Last known positions as of{' '}
      {asOf === null ? 'unknown' : formatClock(asOf)}.
    </p>
  );
}

function Filters() {
  const shown = useAppSelector((s) => s.fleet.shownStatuses);
  const dispatch = useAppDispatch();
  return (
    <fieldset className="fleet-filters">
      <legend>Show drones by status</legend>
      {STATUSES.map((s) => (
        <label key={s}>
          <input
            type="checkbox"
            checked={shown[s]}
            onChange={() => dispatch(statusFilterToggled(s))}
          />
          <span className="swatch" style={{ background: STATUS_COLOR[s] }} aria-hidden="true" />
          {STATUS_LABEL[s]}
        </label>
      ))}
    </fieldset>
  );
}

function Legend() {
  return (
    <details className="fleet-legend">
      <summary>Legend</summary>
      <p>Faded dots: late telemetry; very faint: telemetry lost.</p>
      <p>Clusters are coloured by the worst drone inside and sized by count:</p>
      <ul>
        {SEVERITY_LABEL.map((label, i) => (
          <li key={label}>
            <span className="swatch" style={{ background: SEVERITY_COLOR[i] }} aria-hidden="true" />
            {label}
          </li>
        ))}
      </ul>
    </details>
  );
}

function Alerts() {
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

function DroneDetails({
  layer,
  tick,
  handle,
}: {
  layer: DroneLayer;
  tick: number;
  handle: RefObject<FleetMapHandle | null>;
}) {
  const client = useOperator();
  const selectedId = useAppSelector((s) => s.fleet.selectedId);
  const summary = useAppSelector((s) => (selectedId ? selectDroneById(s, selectedId) : undefined));
  const deliveryId = summary?.assignedDeliveryId ?? null;
  const [delivery, setDelivery] = useState<{ id: string; body: DeliveryBody } | null>(null);

  useEffect(() => {
    if (!deliveryId) return;
    let live = true;
    void client.call('deliveries.get', { deliveryId }).then((r) => {
      const body = r.ok ? deliveryBody(r.value) : null;
      if (live && body) setDelivery({ id: deliveryId, body });
    });
    return () => {
      live = false;
    };
  }, [client, deliveryId]);

  const live = selectedId ? layer.drones.get(selectedId) : undefined;
  const route = delivery && delivery.id === deliveryId && live ? delivery.body : null;
  const lat = live?.lat;
  const lng = live?.lng;
  useEffect(() => {
    handle.current?.setRoute(
      route && lat !== undefined && lng !== undefined
        ? { current: { lat, lng }, pickup: route.pickup, dropoff: route.dropoff }
        : null,
    );
  }, [handle, route, lat, lng, tick]);

  if (!selectedId || !summary || !live) {
    return (
      <section aria-labelledby="fleet-detail-h" className="fleet-detail">
        <h2 id="fleet-detail-h">Selected drone</h2>
        <p>Select a drone on the map or in the list.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="fleet-detail-h" className="fleet-detail">
      <h2 id="fleet-detail-h">Drone {selectedId}</h2>
      <dl>
        <dt>Status</dt>
        <dd>{STATUS_LABEL[live.status]}</dd>
        <dt>Battery</dt>
        <dd>{Math.round(live.batteryPct)} %</dd>
        <dt>Speed</dt>
        <dd>{live.speedMps.toFixed(1)} m/s</dd>
        <dt>Telemetry</dt>
        <dd>
          {live.freshness}
          {live.at !== null && ` (last fix ${formatClock(live.at)})`}
        </dd>
        <dt>Position</dt>
        <dd data-testid="selected-position">
          {live.lat.toFixed(5)}, {live.lng.toFixed(5)}
        </dd>
        <dt>Delivery</dt>
        <dd>{deliveryId ?? 'none'}</dd>
        {route && (
          <>
            <dt>Stage</dt>
            <dd>{route.stage}</dd>
            <dt>ETA</dt>
            <dd>{route.eta ? formatClock(route.eta.arrivesAt) : 'not estimated'}</dd>
          </>
        )}
      </dl>
      <button type="button" onClick={() => handle.current?.flyTo(live)}>
        Show on map
      </button>
    </section>
  );
}

function DroneTable({
  layer,
  handle,
}: {
  layer: DroneLayer;
  handle: RefObject<FleetMapHandle | null>;
}) {
  const drones = useAppSelector(selectVisibleDrones);
  const total = useAppSelector((s) => s.fleet.drones.ids.length);
  const selectedId = useAppSelector((s) => s.fleet.selectedId);
  const dispatch = useAppDispatch();
  return (
    <section aria-labelledby="fleet-list-h" className="fleet-list">
      <h2 id="fleet-list-h">
        Drones ({drones.length} shown of {total})
      </h2>
      {drones.length > MAX_ROWS && <p>Showing the first {MAX_ROWS}; narrow with the filters.</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Drone</th>
            <th scope="col">Status</th>
            <th scope="col">Battery</th>
            <th scope="col">Telemetry</th>
            <th scope="col">Delivery</th>
          </tr>
        </thead>
        <tbody>
          {drones.slice(0, MAX_ROWS).map((d) => (
            <tr key={d.id} data-drone={d.id} data-freshness={d.freshness}>
              <th scope="row">
                <button
                  type="button"
                  aria-pressed={d.id === selectedId}
                  onClick={() => {
                    dispatch(droneSelected(d.id));
                    const live = layer.drones.get(d.id);
                    if (live) handle.current?.flyTo(live);
                  }}
                >
                  {d.id}
                </button>
              </th>
              <td>{STATUS_LABEL[d.status]}</td>
              <td>{d.batteryPct} %</td>
              <td>{d.freshness}</td>
              <td>{d.assignedDeliveryId ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
