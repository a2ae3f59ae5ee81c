import { err, ok, type Result } from './result';

/** A WGS-84 position in decimal degrees. */
export interface Location {
  readonly lat: number;
  readonly lng: number;
}

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

/** Invariant: latitude in [-90, 90], longitude in [-180, 180], both finite. */
export function location(lat: number, lng: number): Result<Location> {
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) {
    return err('LOCATION.INVALID', 'That position is not on the map (latitude out of range).');
  }
  if (!Number.isFinite(lng) || lng < -180 || lng > 180) {
    return err('LOCATION.INVALID', 'That position is not on the map (longitude out of range).');
  }
  return ok(Object.freeze({ lat, lng }));
}

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine); symmetric and zero only for equal points. */
export function distanceMeters(a: Location, b: Location): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  // Clamp: floating error can push h a hair above 1 for antipodal points.
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north in [0, 360). */
export function bearingDegrees(a: Location, b: Location): number {
  const y = Math.sin(rad(b.lng - a.lng)) * Math.cos(rad(b.lat));
  const x =
    Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) -
    Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lng - a.lng));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/**
 * The point a fraction t in [0, 1] of the way along the great circle from a to b
 * (used by the drone simulator to fly real routes).
 */
export function interpolate(a: Location, b: Location, t: number): Location {
  const d = distanceMeters(a, b) / EARTH_RADIUS_M;
  if (d === 0) return a;
  const f = Math.min(1, Math.max(0, t));
  const A = Math.sin((1 - f) * d) / Math.sin(d);
  const B = Math.sin(f * d) / Math.sin(d);
  const [la1, lo1, la2, lo2] = [rad(a.lat), rad(a.lng), rad(b.lat), rad(b.lng)];
  const x = A * Math.cos(la1) * Math.cos(lo1) + B * Math.cos(la2) * Math.cos(lo2);
  const y = A * Math.cos(la1) * Math.sin(lo1) + B * Math.cos(la2) * Math.sin(lo2);
  const z = A * Math.sin(la1) + B * Math.sin(la2);
  return {
    lat: (Math.atan2(z, Math.sqrt(x * x + y * y)) * 180) / Math.PI,
    lng: (Math.atan2(y, x) * 180) / Math.PI,
  };
}

export const locationEquals = (a: Location, b: Location): boolean =>
  a.lat === b.lat && a.lng === b.lng;

/** The point reached by travelling `meters` from `from` on an initial bearing (degrees from north). */
export function destinationPoint(from: Location, bearingDeg: number, meters: number): Location {
  const d = meters / EARTH_RADIUS_M;
  const b = rad(bearingDeg);
  const la1 = rad(from.lat);
  const lo1 = rad(from.lng);
  const la2 = Math.asin(Math.sin(la1) * Math.cos(d) + Math.cos(la1) * Math.sin(d) * Math.cos(b));
  const lo2 =
    lo1 +
    Math.atan2(
      Math.sin(b) * Math.sin(d) * Math.cos(la1),
      Math.cos(d) - Math.sin(la1) * Math.sin(la2),
    );
  const lng = (((((lo2 * 180) / Math.PI + 540) % 360) + 360) % 360) - 180;
  return { lat: (la2 * 180) / Math.PI, lng };
}
