import type { FleetStatus, ServiceLevel } from '../../../../domain/protocol';
import { DRONE_STATUS_NAME, DRONE_STATUSES } from '../../../../domain/fleet';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * What an agent needs to know about card payments, in words they can pass on; null when
 * there is nothing to say. The card company is never named by its technical role ("gateway").
 */
export function paymentsMessage(level: ServiceLevel): string | null {
  switch (level) {
    case 'down':
      return 'Card payments are delayed: the card company is not answering. Changes you make are kept and complete when it is back.';
    case 'degraded':
      return 'Card payments are slow: the card company is failing some requests. Changes you make are kept and retried until they complete.';
    case 'ok':
      return null;
  }
}

/** "Fleet: 4 in flight, 3 idle, 1 charging · 4 deliveries in flight" (statuses with no drones left out). */
export function fleetLine(fleet: FleetStatus): string {
  const drones = DRONE_STATUSES.filter((s) => (fleet.dronesByStatus[s] ?? 0) > 0)
    .sort((a, b) => (fleet.dronesByStatus[b] ?? 0) - (fleet.dronesByStatus[a] ?? 0))
    .map((s) => `${fleet.dronesByStatus[s] ?? 0} ${DRONE_STATUS_NAME[s].toLowerCase()}`);
  const deliveries = `${fleet.deliveriesInFlight} ${fleet.deliveriesInFlight === 1 ? 'delivery' : 'deliveries'} in flight`;
  return `Fleet: ${drones.length > 0 ? drones.join(', ') : 'no drones'} · ${deliveries}`;
}

/** "as of 3 min ago": how old what is shown may be, coarse enough to read at a glance. */
export function ageText(asOf: number | null, now: number): string {
  if (asOf === null) return 'as of an unknown time';
  const age = Math.max(0, now - asOf);
  if (age < MINUTE) return 'as of less than a minute ago';
  if (age < HOUR) return `as of ${Math.floor(age / MINUTE)} min ago`;
  if (age < DAY) {
    const minutes = Math.floor((age % HOUR) / MINUTE);
    return `as of ${Math.floor(age / HOUR)} h${minutes > 0 ? ` ${minutes} min` : ''} ago`;
  }
  const days = Math.floor(age / DAY);
  return `as of ${days} ${days === 1 ? 'day' : 'days'} ago`;
}
