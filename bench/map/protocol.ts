/**
 * What bench/map/run.ts (Node) and the bench page (Chromium) exchange through
 * `page.evaluate`. Types only: both the bench project and the page project include this file.
 */

/**
 * 'app': the real DroneLayer + DroneOverlay (what the fleet map runs).
 * 'naive': the peer — a clustered GeoJSON source on the same map, `setData` of every drone per batch.
 */
export type PushMode = 'app' | 'naive';

export interface SetupOptions {
  readonly mode: PushMode;
  readonly drones: number;
  /** Drones in each batch: all of them (1 Hz telemetry), or fewer to find the fixed cost. */
  readonly reporting: number;
  /** Measured batches to prepare (plus `warmup`, run during setup and not measured). */
  readonly batches: number;
  readonly warmup: number;
  readonly zoom: number;
  readonly width: number;
  readonly height: number;
  readonly center: { readonly lat: number; readonly lng: number };
  /** Drones are spread uniformly over a disc of this radius around the centre. */
  readonly radiusM: number;
  readonly seed: number;
  /** Give up waiting for the map to go idle after this long (counted as a failure). */
  readonly idleTimeoutMs: number;
}

export interface SetupInfo {
  readonly userAgent: string;
  readonly webglRenderer: string;
  readonly devicePixelRatio: number;
  /** Ground size of the map view. */
  readonly viewKm: { readonly width: number; readonly height: number };
  /** Time from map creation to the first idle with the whole fleet drawn. */
  readonly firstIdleMs: number;
}

export interface BatchSample {
  /** `applyFixes` + `flush` (the synchronous part the layer itself runs). */
  readonly syncMs: number;
  /**
   * From the start of the push until maplibre has serialized it and posted it to its worker
   * (it does that in microtasks after `setData`/`updateData` return).
   */
  readonly pushMs: number;
  /** Whether the push reached maplibre's worker within its own task (naive only; app never posts). */
  readonly posted: boolean;
  /** From the start of the push until the map fired 'idle' (worker, tile reload, render). */
  readonly idleMs: number;
  /** Drones the layer sent to the source for this batch. */
  readonly sent: number;
  /** Frames the map rendered between the push and 'idle'. */
  readonly frames: number;
  readonly timedOut: boolean;
}

export interface RenderedCount {
  readonly clusters: number;
  readonly clusteredDrones: number;
  readonly singles: number;
}

export interface VerifyResult {
  readonly rendered: RenderedCount;
  /** Drones whose drawn position (source data or drone layer) differs from their last fix (must be 0). */
  readonly wrongPositions: number;
  readonly checkedPositions: number;
}

export interface FleetBenchApi {
  setup(options: SetupOptions): Promise<SetupInfo>;
  /** Runs the prepared measured batches, one task each, `gapMs` apart. */
  runBatches(gapMs: number): Promise<BatchSample[]>;
  /** After the run: the source holds every drone's last position; what the map draws. */
  verify(): Promise<VerifyResult>;
  /** Waits `ms` without touching the map (for an idle baseline). */
  sleep(ms: number): Promise<void>;
}

/** The page installs the API as `window.fleetBench`. */
export interface BenchGlobal {
  fleetBench: FleetBenchApi;
}
