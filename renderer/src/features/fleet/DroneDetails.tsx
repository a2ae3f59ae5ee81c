import { useEffect, useState, type RefObject } from 'react';
import { useOperator } from '../../shared/operator-context';
import { useAppSelector } from '../../app/store';
import type { DroneLayer } from './drone-layer';
import type { FleetMapHandle } from './fleet-map';
import { formatClock, STATUS_LABEL } from './fleet-model';
import { selectDroneById } from './fleet-slice';
import { useDroneTrail } from './use-drone-trail';
import { deliveryBody, type DeliveryBody } from './use-fleet-live';

/** The selected drone: live values, its delivery and its route on the map. */
export function DroneDetails({
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
  const trail = useDroneTrail(selectedId, tick, handle);

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
        <dt>Recent trail</dt>
        <dd data-testid="trail">
          {trail === null || trail.points.length === 0
            ? 'no fixes in the last 10 min'
            : `${String(trail.points.length)} fixes since ${formatClock(trail.points[0]?.at ?? 0)}`}
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
