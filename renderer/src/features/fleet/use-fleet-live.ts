import { useEffect, useRef, useState } from 'react';
import type { DeliveryDetail } from '../../../../app/contract';
import type { OperatorClient } from '../../api/operator-client';
import { useOperator } from '../../shared/operator-context';
import { useAppDispatch } from '../../app/store';
import { DroneLayer } from './drone-layer';
import {
  deliveryEtasLoaded,
  droneSummariesChanged,
  fixesAdvanced,
  fleetPlacesLoaded,
  fleetSnapshotLoaded,
  type DeliveryEta,
  type DroneSummary,
} from './fleet-slice';

const TICK_MS = 1000;

/**
 * Owns the live fleet: positions in a DroneLayer (plain Map, pushed to maplibre once
 * per frame), summaries in Redux only when they change, a 1 Hz tick for ageing.
 * Returns the layer and the tick counter (for panels that read live values).
 */
export function useFleetLive(): { layer: DroneLayer; tick: number } {
  const client = useOperator();
  const dispatch = useAppDispatch();
  const layerRef = useRef<DroneLayer | null>(null);
  layerRef.current ??= new DroneLayer();
  const layer = layerRef.current;
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const shown = new Map<string, DroneSummary>();
    const assigned = new Map<string, { model: string; deliveryId: string | null }>();
    const etas = new Map<string, DeliveryEta>();
    let stopped = false;

    const publish = (all: boolean) => {
      const changed: DroneSummary[] = [];
      for (const d of layer.drones.values()) {
        const meta = assigned.get(d.id);
        const next: DroneSummary = {
          id: d.id,
          model: meta?.model ?? '',
          status: d.status,
          batteryPct: Math.round(d.batteryPct),
          freshness: d.freshness,
          lostSince: d.freshness === 'lost' ? (d.at ?? 0) : null,
          assignedDeliveryId: meta?.deliveryId ?? null,
        };
        const prev = shown.get(d.id);
        if (
          all ||
          !prev ||
          prev.status !== next.status ||
          prev.batteryPct !== next.batteryPct ||
          prev.freshness !== next.freshness ||
          prev.lostSince !== next.lostSince ||
          prev.assignedDeliveryId !== next.assignedDeliveryId
        ) {
          shown.set(d.id, next);
          changed.push(next);
        }
      }
      return changed;
    };

    const loadSnapshot = async () => {
      const r = await client.call('fleet.snapshot', {});
      if (!r.ok || stopped) return;
      const snap = r.value;
      layer.load(
        snap.drones.map(({ drone, fix }) => {
          const at = fix?.at ?? drone.lastFix?.at ?? null;
          assigned.set(drone.id, { model: drone.model.name, deliveryId: drone.assignedDeliveryId });
          return {
            id: drone.id,
            lat: fix?.lat ?? drone.lastFix?.location.lat ?? 0,
            lng: fix?.lng ?? drone.lastFix?.location.lng ?? 0,
            headingDeg: fix?.headingDeg ?? drone.lastFix?.headingDeg ?? 0,
            speedMps: fix?.speedMps ?? drone.lastFix?.speedMps ?? 0,
            batteryPct: fix?.batteryPct ?? drone.batteryPct,
            status: drone.status,
            at,
            reportIntervalMs: drone.model.reportIntervalMs,
          };
        }),
      );
      const newest = Math.max(0, ...[...layer.drones.values()].map((d) => d.at ?? 0));
      dispatch(fleetSnapshotLoaded({ drones: publish(true), asOf: snap.asOf ?? (newest || null) }));
      const ids = assignedIds(assigned);
      for (const id of etas.keys()) if (!ids.includes(id)) etas.delete(id);
      void loadEtas(client, ids, etas).then(() => {
        if (!stopped) dispatch(deliveryEtasLoaded([...etas.values()]));
      });
    };

    const loadPlaces = async () => {
      const r = await client.call('fleet.places', {});
      if (r.ok && !stopped) dispatch(fleetPlacesLoaded(r.value));
    };

    let newestFix = 0;
    const offFixes = client.on('fleet.fixes', (batch) => {
      layer.applyFixes(batch.fixes);
      for (const f of batch.fixes) if (f.at > newestFix) newestFix = f.at;
    });
    const offRecords = client.on('records.changed', (c) => {
      // Pushed by the replica: a drone change may move assignments (reload the fleet); a
      // delivery change only moves its ETA (reload just those), no polling.
      if (c.kinds.includes('drone')) scheduleSnapshot();
      else if (c.kinds.includes('delivery')) {
        const mine = assignedIds(assigned);
        // The core names at most 200 ids per batch; a truncated list may have left some out.
        const changed = c.truncated ? mine : c.ids.filter((id) => mine.includes(id));
        if (changed.length > 0)
          void loadEtas(client, changed, etas).then(() => {
            if (!stopped) dispatch(deliveryEtasLoaded([...etas.values()]));
          });
      }
      // A fresh desk opens the map before its first snapshot brought depots and zones.
      if (c.kinds.includes('depot') || c.kinds.includes('zone')) void loadPlaces();
    });
    let snapshotTimer: ReturnType<typeof setTimeout> | null = null;
    const scheduleSnapshot = () => {
      snapshotTimer ??= setTimeout(() => {
        snapshotTimer = null;
        void loadSnapshot();
      }, 2000);
    };

    void loadSnapshot();
    void loadPlaces();
    const ticker = setInterval(() => {
      layer.refreshFreshness();
      const changed = publish(false);
      if (changed.length > 0) dispatch(droneSummariesChanged(changed));
      if (newestFix > 0) dispatch(fixesAdvanced(newestFix));
      setTick((t) => t + 1);
    }, TICK_MS);

    return () => {
      stopped = true;
      offFixes();
      offRecords();
      clearInterval(ticker);
      if (snapshotTimer) clearTimeout(snapshotTimer);
    };
  }, [client, dispatch, layer]);

  return { layer, tick };
}

const assignedIds = (assigned: ReadonlyMap<string, { deliveryId: string | null }>): string[] => [
  ...new Set([...assigned.values()].flatMap((a) => (a.deliveryId ? [a.deliveryId] : []))),
];

/** Reads the ETAs of `ids` from the replica into `into` (sequential, one read per delivery). */
async function loadEtas(
  client: OperatorClient,
  ids: readonly string[],
  into: Map<string, DeliveryEta>,
): Promise<void> {
  for (const deliveryId of ids) {
    const r = await client.call('deliveries.get', { deliveryId });
    const body = r.ok ? deliveryBody(r.value) : null;
    if (body)
      into.set(deliveryId, {
        deliveryId,
        stage: body.stage,
        arrivesAt: body.eta?.arrivesAt ?? null,
      });
    else into.delete(deliveryId);
  }
}

export interface DeliveryBody {
  stage: string;
  pickup: { lat: number; lng: number };
  dropoff: { lat: number; lng: number };
  eta: { arrivesAt: number } | null;
}

/** The delivery record's body from a 'deliveries.get' answer. */
export function deliveryBody(value: DeliveryDetail): DeliveryBody {
  return value.delivery.body;
}
