import { useEffect, useRef } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { Alerts } from './Alerts';
import { DroneDetails } from './DroneDetails';
import { DroneTable } from './DroneTable';
import { Filters } from './Filters';
import { createFleetMap, type FleetMapHandle } from './fleet-map';
import { droneSelected } from './fleet-slice';
import { Legend } from './Legend';
import { OfflineBanner } from './OfflineBanner';
import { useFleetLive } from './use-fleet-live';

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
