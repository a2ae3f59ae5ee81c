import WebSocket from 'ws';
import { decodeTelemetryFrame } from '../../domain/protocol';
import type { DroneFixView } from '../contract';
import { fullJitterDelay } from '../net';
import type { WritableDb } from '../replica';
import { trailWriter } from './drone-trail';

export interface TelemetryOptions {
  readonly serverUrl: string;
  /** Several sync servers: connect to the current one, report one that cannot be reached. */
  readonly servers?: { current(): string; failed(url: string): void };
  readonly token: () => string | null;
  /** West, south, east, north: the area this operator watches. */
  readonly bbox: readonly [number, number, number, number];
  /** Last-known fixes are written to SQLite at most this often (the stream itself is never stored). */
  readonly persistEveryMs: number;
}

export interface TelemetryEvents {
  fixes?(at: number, fixes: readonly DroneFixView[]): void;
  /** 'unauthorized': the server closed the stream for a revocation (4003). */
  connection?(state: 'online' | 'offline' | 'unauthorized', at: number): void;
}

/**
 * Follows the server's drone-position stream for the operator's area and keeps
 * the last known fix per drone, in memory for the live map and (throttled) in
 * the replica, so the map opens on last-known positions while offline.
 */
export class TelemetryClient {
  readonly #latest = new Map<string, DroneFixView>();
  readonly #dirty = new Set<string>();
  readonly #upsert;
  #socket: WebSocket | null = null;
  #persistTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #stopped = false;
  #lastFrameAt: number | null = null;
  readonly #trail: ReturnType<typeof trailWriter>;

  constructor(
    private readonly db: WritableDb,
    private readonly options: TelemetryOptions,
    private readonly events: TelemetryEvents = {},
  ) {
    this.#trail = trailWriter(db);
    this.#upsert = db.prepare<[string, number, number, number, number, number, string, number]>(
      `INSERT INTO drone_fixes (drone_id, lat, lng, heading, speed, battery, status, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (drone_id) DO UPDATE SET lat = excluded.lat, lng = excluded.lng, heading = excluded.heading,
         speed = excluded.speed, battery = excluded.battery, status = excluded.status, at = excluded.at
       WHERE excluded.at > drone_fixes.at`,
    );
    const rows = db
      .prepare<
        [],
        {
          drone_id: string;
          lat: number;
          lng: number;
          heading: number;
          speed: number;
          battery: number;
          status: string;
          at: number;
        }
      >('SELECT drone_id, lat, lng, heading, speed, battery, status, at FROM drone_fixes')
      .all();
    for (const r of rows) {
      this.#latest.set(r.drone_id, {
        id: r.drone_id,
        lat: r.lat,
        lng: r.lng,
        headingDeg: r.heading,
        speedMps: r.speed,
        batteryPct: r.battery,
        status: r.status,
        at: r.at,
      });
    }
  }

  start(): void {
    this.#stopped = false;
    this.connect();
    this.#persistTimer = setInterval(() => this.persist(), this.options.persistEveryMs);
    this.#persistTimer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#persistTimer) clearInterval(this.#persistTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#socket?.terminate();
    this.persist();
  }

  /** Last known fix of every drone (live or restored from the replica). */
  snapshot(): DroneFixView[] {
    return [...this.#latest.values()];
  }

  lastFrameAt(): number | null {
    return this.#lastFrameAt;
  }

  isConnected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  private connect(): void {
    const token = this.options.token();
    if (this.#stopped) return;
    if (token === null) {
      // No access token yet (the desk's first refresh is on its way): look again shortly rather
      // than never connecting.
      this.#retryTimer = setTimeout(() => this.connect(), 250);
      this.#retryTimer.unref();
      return;
    }
    const base = this.options.servers?.current() ?? this.options.serverUrl;
    const url = new URL('/telemetry', base.replace(/^http/, 'ws'));
    url.searchParams.set('bbox', this.options.bbox.join(','));
    url.searchParams.set('token', token);
    const ws = new WebSocket(url);
    this.#socket = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.#failures = 0;
      this.events.connection?.('online', Date.now());
    });
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('error', () => undefined); // 'close' follows and schedules the retry
    ws.on('close', (code: number) => {
      // Never opened: this server cannot be reached (or refused us); try the next one, if any.
      if (!opened) this.options.servers?.failed(base);
      // 4003: the server closed the stream because this user or desk was revoked.
      this.events.connection?.(code === 4003 ? 'unauthorized' : 'offline', Date.now());
      if (this.#stopped) return;
      this.#retryTimer = setTimeout(
        () => this.connect(),
        500 + fullJitterDelay((this.#failures += 1), 500, 15_000),
      );
      this.#retryTimer.unref();
    });
  }

  private onFrame(data: Buffer): void {
    const frame = decodeTelemetryFrame(data.toString('utf8'));
    if (!frame) return; // a bad frame is dropped; the next one will do
    for (const fix of frame.fixes) {
      this.#latest.set(fix.id, fix);
      this.#dirty.add(fix.id);
    }
    this.#lastFrameAt = frame.at;
    if (frame.fixes.length > 0) this.events.fixes?.(frame.at, frame.fixes);
  }

  /** Throttled write of the fixes that changed since the last write, in one transaction. */
  persist(): void {
    if (this.#dirty.size === 0) return;
    const ids = [...this.#dirty];
    this.#dirty.clear();
    this.db.transaction(() => {
      const written: DroneFixView[] = [];
      for (const id of ids) {
        const f = this.#latest.get(id);
        if (!f) continue;
        written.push(f);
        this.#upsert.run(
          f.id,
          f.lat,
          f.lng,
          f.headingDeg,
          f.speedMps,
          f.batteryPct,
          f.status,
          f.at,
        );
      }
      this.#trail(written);
    })();
  }
}
