/**
 * The fleet-map bench page: the real `createFleetMap` (offline style, WebGL drone layer) and
 * the real `DroneLayer` ('app'), or on the same map the peer ('naive'): a clustered GeoJSON
 * source fed with `setData` of every drone, as the fleet map itself did before. Driven by a
 * deterministic 1 Hz fleet where every drone reports every second. bench/map/run.ts builds this with vite, opens it in headless Chromium and
 * calls `window.fleetBench`; it reads the main thread's task time through CDP around
 * `runBatches`, this page measures each batch itself.
 *
 * (A .tsx file so that bench/tsconfig.json, Node-only and `**\/*.ts`, leaves it to
 * bench/map/page/tsconfig.json, which has the DOM and vite's asset imports.)
 */
import type { Feature, FeatureCollection, Point } from 'geojson';
import { LngLat, type GeoJSONSource, type Map as MaplibreMap } from 'maplibre-gl';
import type { DroneFixView } from '../../../app/contract';
import type { DroneStatus } from '../../../domain/fleet';
import { seededRandom as rng } from '../../../sync-server/seed/random';
import { CLUSTER_MAX_ZOOM } from '../../../renderer/src/features/fleet/drone-clusters';
import { DroneLayer } from '../../../renderer/src/features/fleet/drone-layer';
import {
  SEVERITY_COLOR,
  STATUS_COLOR,
  severityOf,
} from '../../../renderer/src/features/fleet/fleet-model';
import {
  createFleetMap,
  type FleetMapHandle,
} from '../../../renderer/src/features/fleet/fleet-map';
import type {
  BatchSample,
  BenchGlobal,
  FleetBenchApi,
  SetupInfo,
  SetupOptions,
  VerifyResult,
} from '../protocol';

const M_PER_DEG_LAT = 111_320;
const REPORT_INTERVAL_MS = 1000;
const STATUS_MIX: readonly (readonly [DroneStatus, number])[] = [
  ['in-flight', 0.8],
  ['idle', 0.1],
  ['charging', 0.05],
  ['landed', 0.03],
  ['maintenance', 0.02],
];

interface SimDrone {
  readonly id: string;
  /** Metres east/north of the centre. */
  x: number;
  y: number;
  headingDeg: number;
  readonly speedMps: number;
  batteryPct: number;
  readonly status: DroneStatus;
}

/** A fleet over a disc around the centre; `step()` is one second of telemetry. */
class Fleet {
  readonly drones: SimDrone[] = [];
  readonly #random: () => number;
  readonly #mPerDegLng: number;

  constructor(
    count: number,
    private readonly center: { readonly lat: number; readonly lng: number },
    private readonly radiusM: number,
    seed: number,
  ) {
    this.#random = rng(seed);
    this.#mPerDegLng = M_PER_DEG_LAT * Math.cos((center.lat * Math.PI) / 180);
    for (let i = 0; i < count; i += 1) {
      const r = radiusM * Math.sqrt(this.#random());
      const a = 2 * Math.PI * this.#random();
      let pick = this.#random();
      let status: DroneStatus = 'in-flight';
      for (const [s, share] of STATUS_MIX) {
        if (pick < share) {
          status = s;
          break;
        }
        pick -= share;
      }
      this.drones.push({
        id: `drone-${String(i).padStart(5, '0')}`,
        x: r * Math.sin(a),
        y: r * Math.cos(a),
        headingDeg: 360 * this.#random(),
        speedMps: status === 'in-flight' ? 8 + 12 * this.#random() : 0,
        batteryPct: 30 + 70 * this.#random(),
        status,
      });
    }
  }

  lat(d: SimDrone): number {
    return this.center.lat + d.y / M_PER_DEG_LAT;
  }

  lng(d: SimDrone): number {
    return this.center.lng + d.x / this.#mPerDegLng;
  }

  /** One report from each of the first `count` drones (parked ones report too). */
  step(at: number, count: number): DroneFixView[] {
    const fixes: DroneFixView[] = [];
    for (const d of this.drones.slice(0, count)) {
      if (d.speedMps > 0) {
        d.headingDeg = (d.headingDeg + 20 * (this.#random() - 0.5) + 360) % 360;
        const h = (d.headingDeg * Math.PI) / 180;
        d.x += d.speedMps * Math.sin(h);
        d.y += d.speedMps * Math.cos(h);
        // Leaving the area: head back towards the centre.
        if (Math.hypot(d.x, d.y) > this.radiusM)
          d.headingDeg = ((Math.atan2(-d.x, -d.y) * 180) / Math.PI + 360) % 360;
        d.batteryPct = Math.max(5, d.batteryPct - 0.01);
      }
      fixes.push({
        id: d.id,
        lat: this.lat(d),
        lng: this.lng(d),
        headingDeg: d.headingDeg,
        speedMps: d.speedMps,
        batteryPct: d.batteryPct,
        status: d.status,
        at,
      });
    }
    return fixes;
  }
}

interface Idle {
  readonly at: number;
  readonly timedOut: boolean;
}

/**
 * When the batch is on screen: the app's drone overlay's next draw (the map itself does
 * not repaint for telemetry), or the map's next 'idle' for the naive peer; or a timeout.
 */
function nextShown(
  s: { naive: unknown; handle: FleetMapHandle },
  timeoutMs: number,
): Promise<Idle> {
  const overlay = s.handle.drones();
  if (s.naive || !overlay) return nextIdle(s.handle.map, timeoutMs);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      overlay.onDrawn = null;
      resolve({ at: performance.now(), timedOut: true });
    }, timeoutMs);
    overlay.onDrawn = () => {
      overlay.onDrawn = null;
      clearTimeout(timer);
      resolve({ at: performance.now(), timedOut: false });
    };
  });
}

/** The next 'idle' of the map (everything loaded and drawn), or a timeout. */
function nextIdle(map: MaplibreMap, timeoutMs: number): Promise<Idle> {
  return new Promise((resolve) => {
    const onIdle = () => {
      clearTimeout(timer);
      resolve({ at: performance.now(), timedOut: false });
    };
    const timer = setTimeout(() => {
      map.off('idle', onIdle);
      resolve({ at: performance.now(), timedOut: true });
    }, timeoutMs);
    map.once('idle', onIdle);
  });
}

/**
 * maplibre posts pushed data to its worker from microtasks after `setData`/`updateData`
 * return, once it has serialized it on this thread. Timestamping `Worker.postMessage` gives
 * the end of that work without counting whatever task the browser runs next.
 */
let posts = 0;
let lastPostAt = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with Reflect.apply below
const workerPost = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (this: Worker, ...args: unknown[]): void {
  Reflect.apply(workerPost, this, args);
  posts += 1;
  lastPostAt = performance.now();
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const NAIVE_SOURCE = 'naive-drones';

/**
 * The peer: what the fleet map did before its WebGL drone layer, and what maplibre's docs
 * suggest — a clustered GeoJSON source (worst severity per cluster) with circle layers,
 * fed the whole fleet with `setData` on every batch.
 */
function addNaiveDroneLayers(map: MaplibreMap): GeoJSONSource {
  map.addSource(NAIVE_SOURCE, {
    type: 'geojson',
    data: { type: 'FeatureCollection', features: [] },
    cluster: true,
    clusterMaxZoom: CLUSTER_MAX_ZOOM,
    clusterRadius: 40,
    clusterProperties: { maxSev: ['max', ['get', 'sev']] },
  });
  map.addLayer({
    id: 'naive-clusters',
    type: 'circle',
    source: NAIVE_SOURCE,
    filter: ['has', 'point_count'],
    paint: {
      'circle-color': [
        'step',
        ['get', 'maxSev'],
        ...SEVERITY_COLOR.flatMap((c, i) => (i === 0 ? [c] : [i, c])),
      ] as never,
      'circle-radius': ['step', ['get', 'point_count'], 12, 10, 16, 50, 21, 200, 27, 1000, 34],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2,
      'circle-opacity': 0.85,
    },
  });
  map.addLayer({
    id: 'naive-drones',
    type: 'circle',
    source: NAIVE_SOURCE,
    filter: ['!', ['has', 'point_count']],
    paint: {
      'circle-radius': 6,
      'circle-color': [
        'match',
        ['get', 'status'],
        ...Object.entries(STATUS_COLOR).flat(),
        '#555555',
      ] as never,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
  });
  const source = map.getSource<GeoJSONSource>(NAIVE_SOURCE);
  if (!source) throw new Error('naive source missing');
  return source;
}

function naiveCollection(fixes: readonly DroneFixView[]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: fixes.map((f): Feature<Point> => ({
      type: 'Feature',
      id: f.id,
      geometry: { type: 'Point', coordinates: [f.lng, f.lat] },
      properties: { id: f.id, status: f.status, sev: severityOf(f.status as DroneStatus, 'fresh') },
    })),
  };
}

interface State {
  readonly options: SetupOptions;
  /** Frames the map has rendered so far ('render' events). */
  frames: number;
  readonly layer: DroneLayer;
  readonly handle: FleetMapHandle;
  /** The peer's source ('naive' mode only). */
  readonly naive: GeoJSONSource | null;
  /** The whole fleet's last fixes (the naive peer sends all of them every batch). */
  readonly last: Map<string, DroneFixView>;
  readonly fleet: Fleet;
  /** Prepared before measuring, so building the fixes is not counted. */
  readonly batches: DroneFixView[][];
}
let state: State | null = null;

function current(): State {
  if (!state) throw new Error('fleetBench.setup() has not run');
  return state;
}

/** One telemetry batch, the way the app sees it, timed from the push until the map is idle. */
async function pushBatch(s: State, fixes: readonly DroneFixView[]): Promise<BatchSample> {
  const idle = nextShown(s, s.options.idleTimeoutMs);
  const frames = s.frames;
  const postsBefore = posts;
  const t0 = performance.now();
  let sent: number;
  if (s.naive) {
    for (const f of fixes) s.last.set(f.id, f);
    const all = [...s.last.values()];
    void s.naive.setData(naiveCollection(all));
    sent = all.length;
  } else {
    s.layer.applyFixes(fixes);
    sent = s.layer.flush();
  }
  const t1 = performance.now();
  // Let the push's microtasks run (a handful of ticks: maplibre's update queue and actor).
  for (let tick = 0; tick < 200 && posts === postsBefore; tick += 1) await Promise.resolve();
  const posted = posts > postsBefore;
  const pushEnd = lastPostAt;
  const done = await idle;
  return {
    syncMs: t1 - t0,
    pushMs: posted ? pushEnd - t0 : NaN,
    posted,
    idleMs: done.at - t0,
    sent,
    frames: s.frames - frames,
    timedOut: done.timedOut,
  };
}

function webglRenderer(map: MaplibreMap): string {
  // The canvas already has maplibre's context: getContext returns that one.
  const canvas = map.getCanvas();
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return 'unknown';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  return typeof name === 'string' ? name : 'unknown';
}

function viewKm(map: MaplibreMap): { width: number; height: number } {
  const b = map.getBounds();
  const c = b.getCenter();
  const km = (lng1: number, lat1: number, lng2: number, lat2: number) =>
    new LngLat(lng1, lat1).distanceTo(new LngLat(lng2, lat2)) / 1000;
  return {
    width: km(b.getWest(), c.lat, b.getEast(), c.lat),
    height: km(c.lng, b.getSouth(), c.lng, b.getNorth()),
  };
}

const api: FleetBenchApi = {
  async setup(options) {
    if (state) throw new Error('one setup per page');
    const el = document.getElementById('map');
    if (!el) throw new Error('no #map element');
    el.style.width = `${options.width}px`;
    el.style.height = `${options.height}px`;

    const layer = new DroneLayer();
    const fleet = new Fleet(options.drones, options.center, options.radiusM, options.seed);
    const start = Date.now();
    const t0 = performance.now();
    const handle = createFleetMap(el, layer, () => undefined, options.center);
    handle.map.jumpTo({ zoom: options.zoom });
    // createFleetMap attaches the layer on 'load' (its listener runs before this one).
    await new Promise<void>((resolve) => handle.map.once('load', () => resolve()));
    const naive = options.mode === 'naive' ? addNaiveDroneLayers(handle.map) : null;
    const idle = nextShown({ naive, handle }, options.idleTimeoutMs * 3);
    const initial = fleet.step(start, fleet.drones.length);
    const last = new Map(initial.map((f) => [f.id, f]));
    if (naive) void naive.setData(naiveCollection(initial));
    else
      layer.load(
        fleet.drones.map((d) => ({
          id: d.id,
          lat: fleet.lat(d),
          lng: fleet.lng(d),
          headingDeg: d.headingDeg,
          speedMps: d.speedMps,
          batteryPct: d.batteryPct,
          status: d.status,
          at: start,
          reportIntervalMs: REPORT_INTERVAL_MS,
        })),
      );
    const first = await idle;
    if (first.timedOut) throw new Error('the map never went idle after loading the fleet');

    const batches: DroneFixView[][] = [];
    for (let b = 1; b <= options.warmup + options.batches; b += 1)
      batches.push(fleet.step(start + b * REPORT_INTERVAL_MS, options.reporting));
    const st: State = { options, frames: 0, layer, handle, fleet, batches, naive, last };
    handle.map.on('render', () => (st.frames += 1));
    state = st;
    for (const fixes of batches.splice(0, options.warmup)) {
      await sleep(50);
      const sample = await pushBatch(st, fixes);
      if (sample.timedOut) throw new Error('the map never went idle during warm-up');
    }
    await sleep(200);
    const info: SetupInfo = {
      userAgent: navigator.userAgent,
      webglRenderer: webglRenderer(handle.map),
      devicePixelRatio: window.devicePixelRatio,
      viewKm: viewKm(handle.map),
      firstIdleMs: first.at - t0,
    };
    return info;
  },

  async runBatches(gapMs) {
    const s = current();
    const samples: BatchSample[] = [];
    // Each push starts its own task (a timer), as a telemetry message would.
    for (const fixes of s.batches.splice(0)) {
      await sleep(gapMs);
      samples.push(await pushBatch(s, fixes));
    }
    // Leave whatever the last batch queued (GC, late tasks) inside the caller's window.
    await sleep(gapMs);
    return samples;
  },

  async verify() {
    const s = current();
    const { map } = s.handle;
    let wrong = 0;
    let rendered: VerifyResult['rendered'];
    if (s.naive) {
      const data = (await s.naive.getData()) as FeatureCollection<Point>;
      const shown = new Map<string, Point>();
      for (const f of data.features) {
        const id: unknown = f.properties?.['id'];
        if (typeof id === 'string') shown.set(id, f.geometry);
      }
      for (const d of s.fleet.drones) {
        const [lng, lat] = shown.get(d.id)?.coordinates ?? [NaN, NaN];
        if (lng !== s.fleet.lng(d) || lat !== s.fleet.lat(d)) wrong += 1;
      }
      const clusters = new Map<number, number>();
      for (const f of map.queryRenderedFeatures({ layers: ['naive-clusters'] })) {
        const id: unknown = f.properties['cluster_id'];
        const count: unknown = f.properties['point_count'];
        if (typeof id === 'number' && typeof count === 'number') clusters.set(id, count);
      }
      rendered = {
        clusters: clusters.size,
        clusteredDrones: [...clusters.values()].reduce((a, b) => a + b, 0),
        singles: map.queryRenderedFeatures({ layers: ['naive-drones'] }).length,
      };
    } else {
      // The drone layer drew the latest version, and every drone is at its last fix.
      if (s.handle.drones()?.drawnVersion !== s.layer.version) wrong = s.fleet.drones.length;
      for (const d of s.fleet.drones) {
        const live = s.layer.drones.get(d.id);
        if (!live || live.lng !== s.fleet.lng(d) || live.lat !== s.fleet.lat(d)) wrong += 1;
      }
      const drawn = s.handle.drones()?.drawn() ?? { singles: [], clusters: [] };
      rendered = {
        clusters: drawn.clusters.length,
        clusteredDrones: drawn.clusters.reduce((a, c) => a + c.count, 0),
        singles: drawn.singles.length,
      };
    }
    const result: VerifyResult = {
      rendered,
      wrongPositions: wrong,
      checkedPositions: s.fleet.drones.length,
    };
    return result;
  },

  sleep,
};

(window as unknown as BenchGlobal).fleetBench = api;
