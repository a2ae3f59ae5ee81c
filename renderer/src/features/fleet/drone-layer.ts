import type { Feature, FeatureCollection, Point } from 'geojson';
import type { GeoJSONSourceDiff } from 'maplibre-gl';
import type { DroneStatus } from '../../../../domain/fleet';
import type { DroneFixView } from '../../../../app/contract';
import { freshnessOf, isDroneStatus, severityOf, type Freshness } from './fleet-model';

/**
 * How fixes reach maplibre:
 * - 'update': one `GeoJSONSource.updateData` per frame with only the moved drones (feature ids via promoteId);
 * - 'reuse':  one `setData` per frame of a FeatureCollection whose features are mutated in place;
 * - 'naive':  one `setData` per batch of a freshly built FeatureCollection (the baseline in bench/map).
 */
export type PushMode = 'update' | 'reuse' | 'naive';

/** The slice of `GeoJSONSource` the layer needs (the bench and the app pass the real one). */
export interface DroneSource {
  setData(data: FeatureCollection): unknown;
  updateData(diff: GeoJSONSourceDiff): unknown;
}

/** One drone's live state: a mutable record in a plain Map, never in React or Redux. */
export interface LiveDrone {
  readonly id: string;
  lat: number;
  lng: number;
  headingDeg: number;
  speedMps: number;
  batteryPct: number;
  status: DroneStatus;
  at: number | null;
  readonly reportIntervalMs: number;
  freshness: Freshness;
  /** Properties last pushed to the map (an update sends them only when they changed). */
  shownSeverity: number;
  shownStatus: DroneStatus | null;
  shownFreshness: Freshness | null;
}

export interface DroneProps {
  id: string;
  status: DroneStatus;
  fresh: Freshness;
  sev: number;
}

type DroneFeature = Feature<Point, DroneProps>;

export const DRONE_SOURCE_ID = 'drones';

export class DroneLayer {
  readonly drones = new Map<string, LiveDrone>();
  readonly #dirty = new Set<string>();
  readonly #features = new Map<string, DroneFeature>();
  readonly #collection: FeatureCollection<Point, DroneProps> = {
    type: 'FeatureCollection',
    features: [],
  };
  #visible: (status: DroneStatus) => boolean = () => true;
  #frame: number | null = null;
  #source: DroneSource | null = null;
  /** Called after every push (the view uses it for a cheap DOM attribute, never React state). */
  onFlush: ((count: number) => void) | null = null;

  constructor(
    readonly mode: PushMode,
    private readonly now: () => number = Date.now,
    private readonly schedule: (cb: () => void) => number = (cb) => requestAnimationFrame(cb),
    private readonly cancel: (handle: number) => void = (h) => cancelAnimationFrame(h),
  ) {}

  /** Attaches the maplibre source and sends the whole (filtered) fleet once. */
  attach(source: DroneSource | null): void {
    this.#source = source;
    this.#pushAll();
  }

  /** Replaces the fleet (from 'fleet.snapshot'); keeps newer live fixes already received. */
  load(
    drones: readonly {
      id: string;
      lat: number;
      lng: number;
      headingDeg: number;
      speedMps: number;
      batteryPct: number;
      status: DroneStatus;
      at: number | null;
      reportIntervalMs: number;
    }[],
  ): void {
    const now = this.now();
    for (const d of drones) {
      const existing = this.drones.get(d.id);
      if (existing && existing.at !== null && (d.at === null || existing.at >= d.at)) continue;
      this.drones.set(d.id, {
        ...d,
        freshness: freshnessOf(d.at, d.reportIntervalMs, now),
        shownSeverity: -1,
        shownStatus: null,
        shownFreshness: null,
      });
    }
    this.#pushAll();
  }

  setVisible(visible: (status: DroneStatus) => boolean): void {
    this.#visible = visible;
    this.#pushAll();
  }

  /** Stores a telemetry batch and schedules one push for the next animation frame. */
  applyFixes(fixes: readonly DroneFixView[]): void {
    for (const f of fixes) {
      const d = this.drones.get(f.id);
      if (!d || (d.at !== null && f.at < d.at)) continue;
      d.lat = f.lat;
      d.lng = f.lng;
      d.headingDeg = f.headingDeg;
      d.speedMps = f.speedMps;
      d.batteryPct = f.batteryPct;
      if (isDroneStatus(f.status)) d.status = f.status;
      d.at = f.at;
      d.freshness = 'fresh';
      this.#dirty.add(f.id);
    }
    if (this.#dirty.size > 0 && this.#frame === null) {
      this.#frame = this.schedule(() => {
        this.#frame = null;
        this.flush();
      });
    }
  }

  /** Re-judges fix ages (time passes without fixes when telemetry is down); returns changed ids. */
  refreshFreshness(): string[] {
    const now = this.now();
    const changed: string[] = [];
    for (const d of this.drones.values()) {
      const f = freshnessOf(d.at, d.reportIntervalMs, now);
      if (f !== d.freshness) {
        d.freshness = f;
        changed.push(d.id);
        this.#dirty.add(d.id);
      }
    }
    if (changed.length > 0) this.flush();
    return changed;
  }

  /** Pushes all pending changes to the source now; returns how many drones were sent. */
  flush(): number {
    if (this.#frame !== null) {
      this.cancel(this.#frame);
      this.#frame = null;
    }
    const source = this.#source;
    if (!source || this.#dirty.size === 0) return 0;
    let count = 0;
    switch (this.mode) {
      case 'naive': {
        const features: DroneFeature[] = [];
        for (const d of this.drones.values())
          if (this.#visible(d.status)) features.push(toFeature(d));
        source.setData({ type: 'FeatureCollection', features });
        count = features.length;
        break;
      }
      case 'reuse': {
        for (const id of this.#dirty) {
          const d = this.drones.get(id);
          const f = this.#features.get(id);
          if (!d || !f) continue;
          f.geometry.coordinates[0] = d.lng;
          f.geometry.coordinates[1] = d.lat;
          f.properties.status = d.status;
          f.properties.fresh = d.freshness;
          f.properties.sev = severityOf(d.status, d.freshness);
          count += 1;
        }
        source.setData(this.#collection);
        break;
      }
      case 'update': {
        const update: NonNullable<GeoJSONSourceDiff['update']> = [];
        let membershipChanged = false;
        for (const id of this.#dirty) {
          const d = this.drones.get(id);
          if (!d) continue;
          // A status change may move the drone in or out of the filtered set.
          if ((d.shownStatus !== null) !== this.#visible(d.status)) membershipChanged = true;
          if (!this.#visible(d.status)) continue;
          const sev = severityOf(d.status, d.freshness);
          const props: { key: string; value: unknown }[] = [];
          if (d.shownStatus !== d.status) props.push({ key: 'status', value: d.status });
          if (d.shownFreshness !== d.freshness) props.push({ key: 'fresh', value: d.freshness });
          if (d.shownSeverity !== sev) props.push({ key: 'sev', value: sev });
          d.shownStatus = d.status;
          d.shownFreshness = d.freshness;
          d.shownSeverity = sev;
          update.push(
            props.length > 0
              ? {
                  id,
                  newGeometry: { type: 'Point', coordinates: [d.lng, d.lat] },
                  addOrUpdateProperties: props,
                }
              : { id, newGeometry: { type: 'Point', coordinates: [d.lng, d.lat] } },
          );
        }
        if (membershipChanged) {
          this.#dirty.clear();
          return this.#pushAll();
        }
        if (update.length > 0) source.updateData({ update });
        count = update.length;
        break;
      }
    }
    this.#dirty.clear();
    this.onFlush?.(count);
    return count;
  }

  /** Sends the whole visible fleet (first load, filter change). */
  #pushAll(): number {
    this.#dirty.clear();
    this.#features.clear();
    const features: DroneFeature[] = [];
    for (const d of this.drones.values()) {
      if (!this.#visible(d.status)) {
        d.shownStatus = null;
        continue;
      }
      const f = toFeature(d);
      d.shownStatus = d.status;
      d.shownFreshness = d.freshness;
      d.shownSeverity = f.properties.sev;
      this.#features.set(d.id, f);
      features.push(f);
    }
    this.#collection.features = features;
    if (!this.#source) return 0;
    this.#source.setData(this.#collection);
    this.onFlush?.(features.length);
    return features.length;
  }

  dispose(): void {
    if (this.#frame !== null) this.cancel(this.#frame);
    this.#frame = null;
    this.#source = null;
    this.onFlush = null;
  }
}

function toFeature(d: LiveDrone): DroneFeature {
  return {
    type: 'Feature',
    id: d.id,
    geometry: { type: 'Point', coordinates: [d.lng, d.lat] },
    properties: {
      id: d.id,
      status: d.status,
      fresh: d.freshness,
      sev: severityOf(d.status, d.freshness),
    },
  };
}
