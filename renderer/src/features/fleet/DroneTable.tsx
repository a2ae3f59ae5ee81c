import type { RefObject } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/store';
import type { DroneLayer } from './drone-layer';
import type { FleetMapHandle } from './fleet-map';
import { STATUS_LABEL } from './fleet-model';
import { droneSelected, selectVisibleDrones } from './fleet-slice';

/** Rows rendered in the drone table; filters narrow a larger fleet. */
const MAX_ROWS = 300;

/** The keyboard-usable drone list (the map canvas cannot be read by role). */
export function DroneTable({
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
