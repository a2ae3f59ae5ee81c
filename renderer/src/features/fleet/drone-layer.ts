import type { DroneStatus } from '../../../../domain/fleet';
import type { DroneFixView } from '../../../../app/contract';
import { toMercator } from './drone-clusters';
import type { DrawableDrone, DroneFrameSource, DroneStyle } from './drone-overlay';
import {
  SEVERITY_COLOR,
  STATUS_COLOR,
  freshnessOf,
  isDroneStatus,
  severityOf,
  type Freshness,
} from './fleet-model';

/** The part of the map the layer talks to: "the fleet changed, draw a frame". */
export interface DroneSink {
  changed(): void;
}

/**
 * One drone's live state: a mutable record in a plain Map, never in React or Redux.
 * It is also what the drone layer draws (Mercator x/y, severity and style are kept
 * up to date with each fix), so a frame allocates nothing per drone.
 */
export interface LiveDrone extends DrawableDrone {
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
  x: number;
  y: number;
  severity: number;
  style: DroneStyle;
}

type Rgba = readonly [number, number, number, number];

const rgba = (hex: string): Rgba => [
  Number.parseInt(hex.slice(1, 3), 16) / 255,
  Number.parseInt(hex.slice(3, 5), 16) / 255,
  Number.parseInt(hex.slice(5, 7), 16) / 255,
  1,
];
const FRESHNESS_OPACITY: Record<Freshness, number> = { fresh: 1, late: 0.55, lost: 0.25 };
const STATUS_FILL = Object.fromEntries(
  Object.entries(STATUS_COLOR).map(([status, hex]) => [status, rgba(hex)]),
) as Record<DroneStatus, Rgba>;
const SEVERITY_FILL = SEVERITY_COLOR.map(rgba);
// One shared style object per (status, freshness): telemetry never allocates styles.
const STYLES = Object.fromEntries(
  Object.entries(STATUS_FILL).map(([status, fill]) => [
    status,
    Object.fromEntries(
      Object.entries(FRESHNESS_OPACITY).map(([f, opacity]) => [f, { fill, opacity }]),
    ),
  ]),
) as Record<DroneStatus, Record<Freshness, DroneStyle>>;
const styleOf = (status: DroneStatus, freshness: Freshness): DroneStyle =>
  STYLES[status][freshness];

/** Brings the drawn fields in line with position, status and freshness. */
function place(d: LiveDrone): void {
  const m = toMercator(d.lng, d.lat);
  d.x = m.x;
  d.y = m.y;
  d.severity = severityOf(d.status, d.freshness);
  d.style = styleOf(d.status, d.freshness);
}

function restyle(d: LiveDrone): void {
  d.severity = severityOf(d.status, d.freshness);
  d.style = styleOf(d.status, d.freshness);
}

/**
 * The live fleet as the map draws it. Telemetry batches land here (a Map of
 * mutable records, outside React and Redux); at most once per animation frame
 * the layer bumps its version and asks the sink (the WebGL drone layer) for a
 * frame, which re-reads the visible drones through `forEachVisible`.
 */
export class DroneLayer implements DroneFrameSource {
  readonly drones = new Map<string, LiveDrone>();
  #version = 0;
  #pending = 0;
  #visible: (status: DroneStatus) => boolean = () => true;
  #selected: string | null = null;
  #frame: number | null = null;
  #sink: DroneSink | null = null;
  /** Called after every push (the view uses it for a cheap DOM attribute, never React state). */
  onFlush: ((count: number) => void) | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly schedule: (cb: () => void) => number = (cb) => requestAnimationFrame(cb),
    private readonly cancel: (handle: number) => void = (h) => cancelAnimationFrame(h),
  ) {}

  get version(): number {
    return this.#version;
  }

  get selectedId(): string | null {
    return this.#selected;
  }

  /** Attaches the map's drone layer and draws the whole (filtered) fleet once. */
  attach(sink: DroneSink | null): void {
    this.#sink = sink;
    this.#changedNow(this.drones.size);
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
      const freshness = freshnessOf(d.at, d.reportIntervalMs, now);
      const live: LiveDrone = {
        ...d,
        freshness,
        x: 0,
        y: 0,
        severity: 0,
        style: styleOf(d.status, freshness),
      };
      place(live);
      this.drones.set(d.id, live);
    }
    this.#changedNow(this.drones.size);
  }

  setVisible(visible: (status: DroneStatus) => boolean): void {
    this.#visible = visible;
    this.#changedNow(this.drones.size);
  }

  setSelected(id: string | null): void {
    this.#selected = id;
    this.#sink?.changed();
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
      place(d);
      this.#pending += 1;
    }
    if (this.#pending > 0 && this.#frame === null) {
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
        restyle(d);
        changed.push(d.id);
      }
    }
    if (changed.length > 0) this.#changedNow(changed.length);
    return changed;
  }

  /** Pushes pending fixes to the map now; returns how many fixes the push carries. */
  flush(): number {
    if (this.#frame !== null) {
      this.cancel(this.#frame);
      this.#frame = null;
    }
    if (this.#pending === 0) return 0;
    const count = this.#pending;
    this.#changedNow(count);
    return count;
  }

  collectVisible(into: DrawableDrone[]): void {
    into.length = 0;
    for (const d of this.drones.values()) if (this.#visible(d.status)) into.push(d);
  }

  clusterFill(maxSeverity: number): Rgba {
    return SEVERITY_FILL[maxSeverity] ?? rgba('#000000');
  }

  dispose(): void {
    if (this.#frame !== null) this.cancel(this.#frame);
    this.#frame = null;
    this.#sink = null;
    this.onFlush = null;
  }

  #changedNow(count: number): void {
    this.#pending = 0;
    this.#version += 1;
    if (!this.#sink) return;
    this.#sink.changed();
    this.onFlush?.(count);
  }
}
