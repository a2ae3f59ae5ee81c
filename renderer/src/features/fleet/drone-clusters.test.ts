import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_MAX_ZOOM,
  WORLD_PX_AT_Z0,
  clusterDrones,
  clusterRadiusPx,
  toMercator,
  type PlacedDrone,
} from './drone-clusters';

const berlin = toMercator(13.405, 52.52);
const px = (zoom: number) => 1 / (WORLD_PX_AT_Z0 * 2 ** zoom); // one screen pixel in Mercator units
const at = (id: string, dxPx: number, dyPx: number, zoom: number, severity = 0): PlacedDrone => ({
  id,
  x: berlin.x + dxPx * px(zoom),
  y: berlin.y + dyPx * px(zoom),
  severity,
});

describe('toMercator', () => {
  it('matches maplibre’s MercatorCoordinate at known points', () => {
    expect(toMercator(0, 0)).toEqual({ x: 0.5, y: 0.5 });
    expect(toMercator(-180, 0).x).toBe(0);
    expect(berlin.x).toBeCloseTo(0.537236, 6);
    // maplibre's own formula (mercatorYfromLat), written differently from ours.
    const lat = 52.52;
    const y =
      (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360;
    expect(berlin.y).toBeCloseTo(y, 12);
  });
});

describe('clusterDrones', () => {
  it('merges drones a few pixels apart, keeps a far one single, and reports the worst severity', () => {
    const z = 10;
    const { singles, clusters } = clusterDrones(
      [at('a', 1, 1, z, 0), at('b', 3, 2, z, 5), at('c', 2, 4, z, 2), at('far', 400, 400, z, 4)],
      z,
    );
    expect(singles.map((s) => s.id)).toEqual(['far']);
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({ count: 3, maxSeverity: 5, sample: ['a', 'b', 'c'] });
    // Drawn at the members' centroid.
    expect(clusters[0]?.x).toBeCloseTo(berlin.x + 2 * px(z), 12);
  });

  it('draws every drone on its own above the cluster zoom', () => {
    const z = CLUSTER_MAX_ZOOM + 1;
    const fleet = [at('a', 0, 0, z), at('b', 1, 0, z)];
    expect(clusterDrones(fleet, z + 0.5)).toEqual({ singles: fleet, clusters: [] });
  });

  it('re-forms clusters only at whole zoom levels', () => {
    const fleet = Array.from({ length: 50 }, (_, i) => at(`d${i}`, i * 7, i * 3, 9));
    expect(clusterDrones(fleet, 9.1)).toEqual(clusterDrones(fleet, 9.9));
  });

  it('loses or duplicates no drone (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: -2000, max: 2000 })),
          {
            maxLength: 300,
          },
        ),
        fc.double({ min: 4, max: 16, noNaN: true }),
        (offsets, zoom) => {
          const fleet = offsets.map(([dx, dy], i) => at(`d${i}`, dx, dy, 10, i % 6));
          const { singles, clusters } = clusterDrones(fleet, zoom);
          expect(singles.length + clusters.reduce((n, c) => n + c.count, 0)).toBe(fleet.length);
          for (const c of clusters) {
            expect(c.count).toBeGreaterThan(1);
            expect(c.maxSeverity).toBeLessThanOrEqual(5);
          }
          // A cluster is drawn inside the area its members came from.
          const xs = fleet.map((d) => d.x);
          for (const c of clusters) {
            expect(c.x).toBeGreaterThanOrEqual(Math.min(...xs));
            expect(c.x).toBeLessThanOrEqual(Math.max(...xs));
          }
        },
      ),
    );
  });

  it('clusters 10,000 drones in a few milliseconds', () => {
    const fleet = Array.from({ length: 10_000 }, (_, i) =>
      at(`d${i}`, (i * 37) % 1500, (i * 91) % 900, 11),
    );
    const started = performance.now();
    const { singles, clusters } = clusterDrones(fleet, 11);
    expect(performance.now() - started).toBeLessThan(100); // generous for a busy CI machine
    expect(singles.length + clusters.reduce((n, c) => n + c.count, 0)).toBe(10_000);
  });
});

describe('clusterRadiusPx', () => {
  it.each([
    [2, 12],
    [10, 16],
    [50, 21],
    [200, 27],
    [1000, 34],
  ])('%i members → %i px', (count, radius) => {
    expect(clusterRadiusPx(count)).toBe(radius);
  });
});
