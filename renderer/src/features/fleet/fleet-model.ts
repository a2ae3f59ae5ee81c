import { DRONE_STATUSES, stalenessOf, type DroneStatus } from '../../../../domain/fleet';

/** Telemetry freshness as the map shows it ('lost' also covers a drone that never reported). */
export type Freshness = 'fresh' | 'late' | 'lost';

export const STATUSES: readonly DroneStatus[] = DRONE_STATUSES;

export const STATUS_LABEL: Record<DroneStatus, string> = {
  idle: 'Idle',
  charging: 'Charging',
  'in-flight': 'In flight',
  landed: 'Landed',
  maintenance: 'Maintenance',
};

/** Map colours per status (also used for the legend swatches). */
export const STATUS_COLOR: Record<DroneStatus, string> = {
  idle: '#2f6fb0',
  charging: '#7a4bb5',
  'in-flight': '#1f8a4c',
  landed: '#5b6770',
  maintenance: '#c0392b',
};

/**
 * Severity rank aggregated by clusters ("worst inside"): telemetry loss and
 * maintenance outrank ordinary states.
 */
const STATUS_SEVERITY: Record<DroneStatus, number> = {
  idle: 0,
  charging: 1,
  landed: 1,
  'in-flight': 2,
  maintenance: 4,
};
const FRESHNESS_SEVERITY: Record<Freshness, number> = { fresh: 0, late: 3, lost: 5 };

export const SEVERITY_LABEL = [
  'Idle',
  'Charging or landed',
  'In flight',
  'Late telemetry',
  'Maintenance',
  'Telemetry lost',
];
export const SEVERITY_COLOR = ['#2f6fb0', '#7a4bb5', '#1f8a4c', '#d68910', '#c0392b', '#1c1c1c'];

export function severityOf(status: DroneStatus, freshness: Freshness): number {
  return Math.max(STATUS_SEVERITY[status], FRESHNESS_SEVERITY[freshness]);
}

export function freshnessOf(at: number | null, reportIntervalMs: number, now: number): Freshness {
  return at === null ? 'lost' : stalenessOf(now - at, reportIntervalMs);
}

export const isDroneStatus = (s: string): s is DroneStatus =>
  (DRONE_STATUSES as readonly string[]).includes(s);

/** Battery below this share is an alert for the fleet manager. */
export const LOW_BATTERY_PCT = 25;

export interface LatLng {
  readonly lat: number;
  readonly lng: number;
}
export interface Depot {
  readonly id: string;
  readonly name: string;
  readonly position: LatLng;
}
export interface Zone {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly polygon: [number, number][];
}

export const formatClock = (ms: number): string =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
