import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALEXANDERPLATZ, BERLIN, KREUZBERG, MUNICH, outcome } from '../test-support/fixtures';
import {
  EARTH_RADIUS_M,
  bearingDegrees,
  destinationPoint,
  distanceMeters,
  interpolate,
  location,
  locationEquals,
  type Location,
} from './location';
import { expectOk } from './result';

const loc = (lat: number, lng: number): Location => expectOk(location(lat, lng));

const anyLocation = fc.record({
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
});
/** Half the Earth's circumference: the longest great-circle distance. */
const HALF_CIRCUMFERENCE = Math.PI * EARTH_RADIUS_M;

describe('location()', () => {
  it.each([
    [0, 0],
    [52.52, 13.405],
    [90, 180],
    [-90, -180],
    [-33.8688, 151.2093],
  ])('accepts (%d, %d)', (lat, lng) => {
    expect(location(lat, lng)).toEqual({ ok: true, value: { lat, lng } });
  });

  it.each([
    ['latitude above 90', 90.0001, 0, /latitude/],
    ['latitude below -90', -91, 0, /latitude/],
    ['NaN latitude', Number.NaN, 0, /latitude/],
    ['infinite latitude', Number.POSITIVE_INFINITY, 0, /latitude/],
    ['longitude above 180', 0, 180.5, /longitude/],
    ['longitude below -180', 0, -181, /longitude/],
    ['NaN longitude', 0, Number.NaN, /longitude/],
    ['infinite longitude', 0, Number.NEGATIVE_INFINITY, /longitude/],
  ])('refuses %s with LOCATION.INVALID', (_label, lat, lng, message) => {
    const result = location(lat, lng);
    expect(outcome(result)).toBe('LOCATION.INVALID');
    expect(result.ok ? '' : result.error.message).toMatch(message);
  });

  it('returns a frozen value', () => {
    expect(Object.isFrozen(loc(1, 2))).toBe(true);
  });

  it('locationEquals compares both coordinates', () => {
    expect(locationEquals(loc(1, 2), loc(1, 2))).toBe(true);
    expect(locationEquals(loc(1, 2), loc(1, 3))).toBe(false);
    expect(locationEquals(loc(1, 2), loc(2, 2))).toBe(false);
  });
});

describe('distanceMeters', () => {
  it('Berlin–Munich is about 504 km (within 1 %)', () => {
    const d = distanceMeters(BERLIN, MUNICH);
    expect(Math.abs(d - 504_000) / 504_000).toBeLessThan(0.01);
  });

  it('one degree of longitude on the equator is 2πR/360', () => {
    expect(distanceMeters(loc(0, 0), loc(0, 1))).toBeCloseTo(
      (2 * Math.PI * EARTH_RADIUS_M) / 360,
      3,
    );
  });

  it('pole to pole is half the circumference, and antipodes do not produce NaN', () => {
    expect(distanceMeters(loc(90, 0), loc(-90, 0))).toBeCloseTo(HALF_CIRCUMFERENCE, 3);
    expect(distanceMeters(loc(0, 0), loc(0, 180))).toBeCloseTo(HALF_CIRCUMFERENCE, 3);
    expect(distanceMeters(loc(10, 20), loc(-10, -160))).toBeCloseTo(HALF_CIRCUMFERENCE, 0);
  });

  it('the date line is no wall: 179.9°E to 179.9°W is short', () => {
    expect(distanceMeters(loc(0, 179.9), loc(0, -179.9))).toBeCloseTo(
      (0.2 * 2 * Math.PI * EARTH_RADIUS_M) / 360,
      3,
    );
  });

  it('is zero for equal points (property)', () => {
    fc.assert(
      fc.property(anyLocation, (a) => {
        expect(distanceMeters(a, { ...a })).toBe(0);
      }),
    );
  });

  it('is symmetric, non-negative and at most half the circumference (property)', () => {
    fc.assert(
      fc.property(anyLocation, anyLocation, (a, b) => {
        const d = distanceMeters(a, b);
        expect(d).toBe(distanceMeters(b, a));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(HALF_CIRCUMFERENCE + 1e-6);
      }),
    );
  });

  it('satisfies the triangle inequality (property)', () => {
    fc.assert(
      fc.property(anyLocation, anyLocation, anyLocation, (a, b, c) => {
        // Metre-level tolerance: asin loses precision near antipodal points.
        expect(distanceMeters(a, c)).toBeLessThanOrEqual(
          distanceMeters(a, b) + distanceMeters(b, c) + 1,
        );
      }),
    );
  });
});

describe('bearingDegrees', () => {
  it.each([
    ['north', loc(1, 0), 0],
    ['east', loc(0, 1), 90],
    ['south', loc(-1, 0), 180],
    ['west', loc(0, -1), 270],
  ])('from (0, 0) due %s is %d°', (_label, to, expected) => {
    expect(bearingDegrees(loc(0, 0), to)).toBeCloseTo(expected, 9);
  });

  it('Berlin to Munich heads roughly south-south-west, and back roughly north-north-east', () => {
    const there = bearingDegrees(BERLIN, MUNICH);
    const back = bearingDegrees(MUNICH, BERLIN);
    expect(there).toBeGreaterThan(190);
    expect(there).toBeLessThan(200);
    expect(back).toBeGreaterThan(10);
    expect(back).toBeLessThan(20);
  });

  it('is always in [0, 360) (property)', () => {
    fc.assert(
      fc.property(anyLocation, anyLocation, (a, b) => {
        const bearing = bearingDegrees(a, b);
        expect(bearing).toBeGreaterThanOrEqual(0);
        expect(bearing).toBeLessThan(360);
      }),
    );
  });
});

describe('interpolate', () => {
  it('returns the endpoints at t = 0 and t = 1', () => {
    const start = interpolate(ALEXANDERPLATZ, KREUZBERG, 0);
    const end = interpolate(ALEXANDERPLATZ, KREUZBERG, 1);
    expect(start.lat).toBeCloseTo(ALEXANDERPLATZ.lat, 9);
    expect(start.lng).toBeCloseTo(ALEXANDERPLATZ.lng, 9);
    expect(end.lat).toBeCloseTo(KREUZBERG.lat, 9);
    expect(end.lng).toBeCloseTo(KREUZBERG.lng, 9);
  });

  it('clamps t outside [0, 1] to the endpoints', () => {
    expect(distanceMeters(interpolate(BERLIN, MUNICH, -0.5), BERLIN)).toBeLessThan(1e-3);
    expect(distanceMeters(interpolate(BERLIN, MUNICH, 7), MUNICH)).toBeLessThan(1e-3);
  });

  it('returns the start point itself when both points are equal', () => {
    expect(interpolate(BERLIN, { ...BERLIN }, 0.5)).toBe(BERLIN);
  });

  it('the midpoint of Berlin–Munich lies on the route, halfway', () => {
    const m = interpolate(BERLIN, MUNICH, 0.5);
    const whole = distanceMeters(BERLIN, MUNICH);
    expect(distanceMeters(BERLIN, m)).toBeCloseTo(whole / 2, 3);
    expect(distanceMeters(m, MUNICH)).toBeCloseTo(whole / 2, 3);
  });

  it('any point along the route lies on it, at the right fraction (property)', () => {
    fc.assert(
      fc.property(
        anyLocation,
        anyLocation,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b, t) => {
          const whole = distanceMeters(a, b);
          // Near-antipodal routes have no unique great circle.
          fc.pre(whole < 0.9 * HALF_CIRCUMFERENCE);
          const m = interpolate(a, b, t);
          const tolerance = 1e-3 + whole * 1e-9;
          expect(Math.abs(distanceMeters(a, m) + distanceMeters(m, b) - whole)).toBeLessThan(
            tolerance,
          );
          expect(Math.abs(distanceMeters(a, m) - t * whole)).toBeLessThan(tolerance);
          expect(location(m.lat, m.lng).ok).toBe(true);
        },
      ),
    );
  });
});

describe('destinationPoint', () => {
  const ONE_DEGREE = (2 * Math.PI * EARTH_RADIUS_M) / 360;

  it.each([
    ['north', 0, 1, 0],
    ['east', 90, 0, 1],
    ['south', 180, -1, 0],
    ['west', 270, 0, -1],
  ])('one degree of arc due %s of (0, 0) is (%d, %d)', (_label, bearing, lat, lng) => {
    const p = destinationPoint(loc(0, 0), bearing, ONE_DEGREE);
    expect(p.lat).toBeCloseTo(lat, 9);
    expect(p.lng).toBeCloseTo(lng, 9);
  });

  it('travelling no distance stays put', () => {
    const p = destinationPoint(BERLIN, 123, 0);
    expect(p.lat).toBeCloseTo(BERLIN.lat, 12);
    expect(p.lng).toBeCloseTo(BERLIN.lng, 12);
  });

  it('wraps longitude across the date line into [-180, 180)', () => {
    const p = destinationPoint(loc(0, 179.9), 90, 0.2 * ONE_DEGREE);
    expect(p.lng).toBeCloseTo(-179.9, 9);
    expect(destinationPoint(loc(0, 180), 0, 0).lng).toBe(-180);
  });

  it('heading from Berlin towards Munich for their distance arrives in Munich', () => {
    const p = destinationPoint(
      BERLIN,
      bearingDegrees(BERLIN, MUNICH),
      distanceMeters(BERLIN, MUNICH),
    );
    expect(distanceMeters(p, MUNICH)).toBeLessThan(1e-3);
  });

  it('lands at the given distance on the given initial bearing, on the map (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          // Away from the poles, where a bearing is not defined.
          lat: fc.double({ min: -80, max: 80, noNaN: true }),
          lng: fc.double({ min: -180, max: 180, noNaN: true }),
        }),
        fc.double({ min: 0, max: 359.999, noNaN: true }),
        fc.double({ min: 1, max: 0.9 * HALF_CIRCUMFERENCE, noNaN: true }),
        (from, bearing, meters) => {
          const p = destinationPoint(from, bearing, meters);
          expect(location(p.lat, p.lng).ok).toBe(true);
          expect(p.lng).toBeLessThan(180);
          expect(Math.abs(distanceMeters(from, p) - meters)).toBeLessThan(1e-3 + meters * 1e-9);
          const off = Math.abs(bearingDegrees(from, p) - bearing);
          // Within 1e-4°: floating error near the date line is about 1e-6° on a 1 m trip.
          expect(Math.min(off, 360 - off)).toBeLessThan(1e-4);
        },
      ),
    );
  });
});
