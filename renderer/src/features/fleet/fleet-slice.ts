import {
  createEntityAdapter,
  createSelector,
  createSlice,
  type PayloadAction,
} from '@reduxjs/toolkit';
import type { DroneStatus } from '../../../../domain/fleet';
import { alertCause } from './alert-cause';
import { LOW_BATTERY_PCT, STATUSES, type Depot, type Freshness, type Zone } from './fleet-model';

/** What React renders about a drone: changes at most a few times a minute, never per fix. */
export interface DroneSummary {
  readonly id: string;
  readonly model: string;
  readonly status: DroneStatus;
  /** Whole percent: the list re-renders when it drops a point, not on every fix. */
  readonly batteryPct: number;
  readonly freshness: Freshness;
  /** While telemetry is lost: the time of the last fix (fixed for the whole episode), else null. */
  readonly lostSince: number | null;
  readonly assignedDeliveryId: string | null;
}

export interface DeliveryEta {
  readonly deliveryId: string;
  readonly stage: string;
  readonly arrivesAt: number | null;
}

const drones = createEntityAdapter<DroneSummary>({
  sortComparer: (a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }),
});
const etas = createEntityAdapter<DeliveryEta, string>({ selectId: (e) => e.deliveryId });

export interface FleetState {
  readonly drones: ReturnType<typeof drones.getInitialState>;
  readonly etas: ReturnType<typeof etas.getInitialState>;
  readonly depots: readonly Depot[];
  readonly zones: readonly Zone[];
  readonly shownStatuses: Readonly<Record<DroneStatus, boolean>>;
  readonly selectedId: string | null;
  /** Newest fix time seen (snapshot or stream): "last known positions as of". */
  readonly lastFixAt: number | null;
  readonly loaded: boolean;
}

const initialState: FleetState = {
  drones: drones.getInitialState(),
  etas: etas.getInitialState(),
  depots: [],
  zones: [],
  shownStatuses: Object.fromEntries(STATUSES.map((s) => [s, true])) as Record<DroneStatus, boolean>,
  selectedId: null,
  lastFixAt: null,
  loaded: false,
};

export const fleetSlice = createSlice({
  name: 'fleet',
  initialState,
  reducers: {
    fleetSnapshotLoaded: (s, a: PayloadAction<{ drones: DroneSummary[]; asOf: number | null }>) => {
      drones.setAll(s.drones, a.payload.drones);
      if (a.payload.asOf !== null) s.lastFixAt = Math.max(s.lastFixAt ?? 0, a.payload.asOf);
      s.loaded = true;
    },
    fleetPlacesLoaded: (s, a: PayloadAction<{ depots: Depot[]; zones: Zone[] }>) => {
      s.depots = a.payload.depots;
      s.zones = a.payload.zones;
    },
    droneSummariesChanged: (s, a: PayloadAction<DroneSummary[]>) => {
      drones.upsertMany(s.drones, a.payload);
    },
    fixesAdvanced: (s, a: PayloadAction<number>) => {
      if (a.payload > (s.lastFixAt ?? 0)) s.lastFixAt = a.payload;
    },
    deliveryEtasLoaded: (s, a: PayloadAction<DeliveryEta[]>) => {
      etas.setAll(s.etas, a.payload);
    },
    statusFilterToggled: (s, a: PayloadAction<DroneStatus>) => {
      s.shownStatuses[a.payload] = !s.shownStatuses[a.payload];
    },
    droneSelected: (s, a: PayloadAction<string | null>) => {
      s.selectedId = a.payload;
    },
  },
});

export const {
  fleetSnapshotLoaded,
  fleetPlacesLoaded,
  droneSummariesChanged,
  fixesAdvanced,
  deliveryEtasLoaded,
  statusFilterToggled,
  droneSelected,
} = fleetSlice.actions;

type WithFleet = { fleet: FleetState };
const droneSelectors = drones.getSelectors((s: WithFleet) => s.fleet.drones);
const etaSelectors = etas.getSelectors((s: WithFleet) => s.fleet.etas);
export const selectAllDrones = droneSelectors.selectAll;
export const selectDroneById = droneSelectors.selectById;
export const selectEtaById = etaSelectors.selectById;

export const selectVisibleDrones = createSelector(
  [selectAllDrones, (s: WithFleet) => s.fleet.shownStatuses],
  (all, shown) => all.filter((d) => shown[d.status]),
);

export interface FleetAlert {
  readonly key: string;
  readonly droneId: string;
  readonly kind: 'low-battery' | 'lost-telemetry' | 'late-delivery';
  readonly text: string;
  /**
   * What this alert is about right now. An acknowledgement names the cause it was given for;
   * a different cause (a new loss of telemetry, a lower battery band, a new ETA) nags again.
   */
  readonly cause: string;
  /** Critical alerts need a short reason to be acknowledged. */
  readonly critical: boolean;
}

/** Below this a flying drone's battery is critical, not just low. */
export const CRITICAL_BATTERY_PCT = 10;

/**
 * Alerts derived from summaries; `now` is passed in (a 1 Hz tick) so the selector stays pure.
 * `telemetryHeld`: this desk's own telemetry path is down, so every fix ages at once — that is
 * one fact about the desk (shown once by the caller), not a fault of each drone: per-drone
 * telemetry alerts are held until the path is back.
 */
export const selectAlerts = createSelector(
  [
    selectAllDrones,
    etaSelectors.selectEntities,
    (_s: WithFleet, now: number) => now,
    (_s: WithFleet, _now: number, telemetryHeld: boolean) => telemetryHeld,
  ],
  (all, etaById, now, telemetryHeld): FleetAlert[] => {
    const out: FleetAlert[] = [];
    for (const d of all) {
      if (d.freshness === 'lost' && !telemetryHeld && reportsTelemetry(d.status))
        out.push({
          key: `${d.id}:lost`,
          droneId: d.id,
          kind: 'lost-telemetry',
          text: `${d.id}: telemetry lost`,
          cause: alertCause('lost', d.lostSince ?? 0),
          // A drone in the air that nobody hears is the one that cannot wait.
          critical: d.status === 'in-flight',
        });
      // A charging drone or one in maintenance is expected to be low: not news.
      if (d.batteryPct < LOW_BATTERY_PCT && (d.status === 'in-flight' || d.status === 'idle'))
        out.push({
          key: `${d.id}:battery`,
          droneId: d.id,
          kind: 'low-battery',
          text: `${d.id}: battery ${d.batteryPct} %`,
          cause: d.batteryPct < CRITICAL_BATTERY_PCT ? 'battery-critical' : 'battery-low',
          critical: d.batteryPct < CRITICAL_BATTERY_PCT && d.status === 'in-flight',
        });
      const eta = d.assignedDeliveryId ? etaById[d.assignedDeliveryId] : undefined;
      if (eta?.arrivesAt != null && eta.arrivesAt + LATE_GRACE_MS < now && !isDone(eta.stage))
        out.push({
          key: `${d.id}:late`,
          droneId: d.id,
          kind: 'late-delivery',
          text: `${d.id}: delivery ${eta.deliveryId} is late`,
          cause: alertCause(`late:${eta.deliveryId}`, eta.arrivesAt),
          critical: false,
        });
    }
    return out;
  },
);

/** An ETA is an estimate: a few minutes past it is not yet "late". */
const LATE_GRACE_MS = 5 * 60_000;

/** Drones that are expected to report: one in maintenance is switched off on the ground. */
const reportsTelemetry = (status: DroneStatus): boolean => status !== 'maintenance';

const isDone = (stage: string): boolean => ['completed', 'cancelled', 'failed'].includes(stage);
