import { DRONE_STATUSES, type DroneStatus } from '../fleet';
import type { DeliveryStage } from '../shipping';

/**
 * The server-written `status/<region>` Yjs document: what operators of a region should know
 * about the service right now. The sync server writes it (read-only for every role); desks
 * read it. Both sides use only these names and `readRegionStatus`, so the shape lives here.
 *
 * Layout: one root `Y.Map` named `REGION_STATUS_MAP` whose keys (`REGION_STATUS_KEYS`) hold
 * plain JSON values. Each key is replaced as a whole, never edited inside, so one write is one
 * small Yjs item per changed key. Adding a key is compatible (old desks ignore it); changing
 * the meaning of one bumps `REGION_STATUS_SCHEMA_VERSION`, and a desk that does not know the
 * version shows nothing rather than misreading it.
 */
export const REGION_STATUS_MAP = 'status';
export const REGION_STATUS_SCHEMA_VERSION = 1;

export const REGION_STATUS_KEYS = {
  /** number: REGION_STATUS_SCHEMA_VERSION of the writer. */
  schemaVersion: 'schemaVersion',
  /** string: the region, as in the document name. */
  region: 'region',
  /** PaymentsStatus */
  payments: 'payments',
  /** FleetStatus */
  fleet: 'fleet',
  /** number: epoch ms of the server's last change to any other key. */
  updatedAt: 'updatedAt',
} as const;

/** The status document's name for a region (see sync-server/yjs/README.md). */
export const regionStatusDocName = (region: string): string => `status/${region}`;

/** How well a service works, in the words the desk shows: ok, degraded (slow, failing some), down. */
export const SERVICE_LEVELS = ['ok', 'degraded', 'down'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/** Card payments as the server experiences the card company (its gateway) right now. */
export interface PaymentsStatus {
  readonly level: ServiceLevel;
  /** Epoch ms since which `level` holds. */
  readonly since: number;
}

/** The stages `FleetStatus.deliveriesInFlight` counts: a drone is carrying out the delivery. */
export const IN_FLIGHT_STAGES: readonly DeliveryStage[] = [
  'en-route-to-pickup',
  'picked-up',
  'headed-to-dropoff',
];

export interface FleetStatus {
  /** Drones per status; a status with no drones may be absent. */
  readonly dronesByStatus: Readonly<Partial<Record<DroneStatus, number>>>;
  /** Deliveries in one of IN_FLIGHT_STAGES. */
  readonly deliveriesInFlight: number;
}

export interface RegionStatus {
  readonly region: string;
  /** null until the server published it (or if the stored value is not understood). */
  readonly payments: PaymentsStatus | null;
  readonly fleet: FleetStatus | null;
  /** When the server last changed the document; null if never. */
  readonly updatedAt: number | null;
}

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isInstant = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

function readPayments(v: unknown): PaymentsStatus | null {
  if (!isObject(v) || !isInstant(v['since'])) return null;
  const level = v['level'];
  return SERVICE_LEVELS.includes(level as ServiceLevel)
    ? { level: level as ServiceLevel, since: v['since'] }
    : null;
}

function readFleet(v: unknown): FleetStatus | null {
  if (!isObject(v) || !isCount(v['deliveriesInFlight']) || !isObject(v['dronesByStatus']))
    return null;
  const counts = v['dronesByStatus'];
  const dronesByStatus: Partial<Record<DroneStatus, number>> = {};
  // A status this desk does not know (a newer server) is left out, not guessed at.
  for (const status of DRONE_STATUSES) {
    const n = counts[status];
    if (isCount(n)) dronesByStatus[status] = n;
  }
  return { dronesByStatus, deliveriesInFlight: v['deliveriesInFlight'] };
}

/**
 * Reads the root map's entries (`Object.fromEntries(map.entries())`). Returns null for a
 * document the server never wrote or one of another schema version; a part whose value is
 * malformed comes back null while the rest is still read.
 */
export function readRegionStatus(fields: Readonly<Record<string, unknown>>): RegionStatus | null {
  const version = fields[REGION_STATUS_KEYS.schemaVersion];
  const region = fields[REGION_STATUS_KEYS.region];
  if (version !== REGION_STATUS_SCHEMA_VERSION || typeof region !== 'string') return null;
  const updatedAt = fields[REGION_STATUS_KEYS.updatedAt];
  return {
    region,
    payments: readPayments(fields[REGION_STATUS_KEYS.payments]),
    fleet: readFleet(fields[REGION_STATUS_KEYS.fleet]),
    updatedAt: isInstant(updatedAt) ? updatedAt : null,
  };
}
