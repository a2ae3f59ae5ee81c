/**
 * Screen-space clustering of drones for the map's low zoom levels, done on the
 * main thread in one pass over the fleet (a grid in Web Mercator), because it
 * must be re-run every time positions change: at 1 Hz for 2,000+ drones.
 * maplibre's clustered GeoJSON source re-indexes in its worker and reloads every
 * tile on each update — a fixed ~20 ms of main-thread work per telemetry batch
 * (bench/results/map.md); this costs a fraction of a millisecond.
 */

/** Pixels per Mercator unit at zoom 0 (maplibre's tile size). */
export const WORLD_PX_AT_Z0 = 512;
/** Above this zoom every drone is drawn on its own. */
export const CLUSTER_MAX_ZOOM = 12;
/** Grid cell edge in screen pixels: drones closer than about this merge. */
export const CLUSTER_CELL_PX = 56;

export interface PlacedDrone {
  readonly id: string;
  /** Web Mercator, 0..1 (x east, y south). */
  readonly x: number;
  readonly y: number;
  readonly severity: number;
}

export interface DroneCluster {
  readonly x: number;
  readonly y: number;
  readonly count: number;
  /** The worst severity inside (what the cluster's colour shows). */
  readonly maxSeverity: number;
  /** A few member ids (to describe the cluster; not all of them). */
  readonly sample: readonly string[];
}

export interface ClusteredFleet<D extends PlacedDrone = PlacedDrone> {
  /** Drones drawn individually (alone in their cell, or zoomed in past CLUSTER_MAX_ZOOM). */
  readonly singles: readonly D[];
  readonly clusters: readonly DroneCluster[];
}

interface Cell<D> {
  sumX: number;
  sumY: number;
  count: number;
  maxSeverity: number;
  first: D;
  sample: string[];
}

/**
 * Groups drones whose grid cell at `zoom` (floored: clusters re-form at whole
 * zoom levels, so they do not shimmer while zooming) holds more than one. The
 * grid is fixed in world space, so panning never changes a cluster.
 */
export function clusterDrones<D extends PlacedDrone>(
  drones: readonly D[],
  zoom: number,
): ClusteredFleet<D> {
  const z = Math.floor(zoom);
  if (z > CLUSTER_MAX_ZOOM) return { singles: drones, clusters: [] };
  const cellsPerUnit = (WORLD_PX_AT_Z0 * 2 ** z) / CLUSTER_CELL_PX;
  const cells = new Map<number, Cell<D>>();
  for (const d of drones) {
    // One integer key per cell; the grid is at most 2^12 × 512 / 56 ≈ 37,000 cells wide.
    const key = Math.floor(d.x * cellsPerUnit) * 1_000_003 + Math.floor(d.y * cellsPerUnit);
    const cell = cells.get(key);
    if (!cell) {
      cells.set(key, {
        sumX: d.x,
        sumY: d.y,
        count: 1,
        maxSeverity: d.severity,
        first: d,
        sample: [d.id],
      });
      continue;
    }
    cell.sumX += d.x;
    cell.sumY += d.y;
    cell.count += 1;
    if (d.severity > cell.maxSeverity) cell.maxSeverity = d.severity;
    if (cell.sample.length < 5) cell.sample.push(d.id);
  }
  const singles: D[] = [];
  const clusters: DroneCluster[] = [];
  for (const c of cells.values()) {
    if (c.count === 1) singles.push(c.first);
    else
      clusters.push({
        x: c.sumX / c.count,
        y: c.sumY / c.count,
        count: c.count,
        maxSeverity: c.maxSeverity,
        sample: c.sample,
      });
  }
  return { singles, clusters };
}

/** Circle radius (px) of a cluster by member count, as the legend describes it. */
export function clusterRadiusPx(count: number): number {
  if (count < 10) return 12;
  if (count < 50) return 16;
  if (count < 200) return 21;
  if (count < 1000) return 27;
  return 34;
}

/** Web Mercator (0..1) of a longitude/latitude, as maplibre's MercatorCoordinate. */
export function toMercator(lng: number, lat: number): { x: number; y: number } {
  const sin = Math.sin((lat * Math.PI) / 180);
  return {
    x: (lng + 180) / 360,
    y: 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI),
  };
}
