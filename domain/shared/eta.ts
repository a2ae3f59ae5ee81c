import type { Instant } from './clock.port';
import { instant } from './clock.port';
import { err, ok, type Result } from './result';

/** Estimated time of arrival, with the moment the estimate was made (to judge its freshness). */
export interface Eta {
  readonly arrivesAt: Instant;
  readonly estimatedAt: Instant;
}

/**
 * ETA from a distance and a cruise speed, plus fixed handling time (take-off,
 * loading, landing). Invariant: speed is positive and distance non-negative.
 */
export function etaFromDistance(
  distanceM: number,
  speedMps: number,
  now: Instant,
  handlingSeconds = 0,
): Result<Eta> {
  if (!(speedMps > 0) || !Number.isFinite(speedMps)) {
    return err('ETA.INVALID_SPEED', 'No arrival time can be estimated without a positive speed.');
  }
  if (!(distanceM >= 0) || !Number.isFinite(distanceM)) {
    return err('ETA.INVALID_DISTANCE', 'No arrival time can be estimated for that route.');
  }
  const seconds = distanceM / speedMps + Math.max(0, handlingSeconds);
  return ok({ arrivesAt: instant(now + seconds * 1000), estimatedAt: now });
}

/** Seconds from now until arrival; negative once the ETA has passed (the delivery is late). */
export const secondsUntil = (eta: Eta, now: Instant): number => (eta.arrivesAt - now) / 1000;

export const isLate = (eta: Eta, now: Instant, graceSeconds = 0): boolean =>
  secondsUntil(eta, now) < -graceSeconds;
