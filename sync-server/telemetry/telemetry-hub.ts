import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeTelemetryFrame, type TelemetryTuple } from '../../domain/protocol';
import type { Principal, TokenCheck } from '../auth';
import { refuseUpgrade } from '../http';
import { setDeadlineTimer } from '../timers';
import { TokenBucket } from '../yjs';

export type { TelemetryTuple } from '../../domain/protocol';

/** West, south, east, north in degrees. */
export type BBox = readonly [number, number, number, number];

const MAX_CLIENT_MESSAGE = 1024;
/**
 * Inbound messages (area changes) per second per socket, and the burst allowed. A map pan sends
 * a few a second; thousands a second is a flood, closed with 1008 rather than parsed.
 */
export const TELEMETRY_INBOUND = { perSecond: 10, burst: 40 } as const;
/** A subscriber this far behind gets frames dropped, not queued: telemetry is ephemeral. */
const MAX_BUFFERED_BYTES = 1 << 20;

interface Subscriber {
  readonly socket: WebSocket;
  readonly principal: Principal;
  bbox: BBox | null;
}

export function parseBBox(raw: unknown): BBox | null {
  const parts =
    typeof raw === 'string'
      ? raw.split(',').map(Number)
      : Array.isArray(raw)
        ? raw.map(Number)
        : [];
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) return null;
  const [w = 0, s = 0, e = 0, n = 0] = parts;
  if (s > n || s < -90 || n > 90 || w < -180 || e > 180) return null;
  return [w, s, e, n];
}

const inside = (b: BBox | null, lat: number, lng: number): boolean =>
  b === null || (lng >= b[0] && lat >= b[1] && lng <= b[2] && lat <= b[3]);

/**
 * Fans compact drone-position frames out to fleet managers and supervisors,
 * each filtered to the area they watch. Nothing here is stored: the stream is
 * ephemeral by design (desktops keep their own last-known fixes).
 * Endpoint: ws://host/telemetry?token=…&bbox=west,south,east,north; a client may
 * send {"bbox":[w,s,e,n]} to move its area.
 */
export class TelemetryHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
  readonly #subscribers = new Set<Subscriber>();

  constructor(
    private readonly authenticate: (token: string | null) => TokenCheck,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly onFrames: (sent: number) => void = () => undefined,
    /** A socket closed for what its client sent: `TELEMETRY.RATE_LIMITED`, `.BAD_MESSAGE`, `.TOO_BIG`. */
    private readonly onRefused: (reason: string) => void = () => undefined,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const check = this.authenticate(url.searchParams.get('token'));
    if (!check.ok) {
      refuseUpgrade(socket, 401, 'a valid token is required');
      return;
    }
    if (check.principal.role === 'agent') {
      refuseUpgrade(socket, 403, 'telemetry is for fleet managers and supervisors');
      return;
    }
    const bboxParam = url.searchParams.get('bbox');
    const bbox = bboxParam === null ? null : parseBBox(bboxParam);
    if (bboxParam !== null && bbox === null) {
      refuseUpgrade(socket, 400, 'bbox must be west,south,east,north in degrees');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const sub: Subscriber = { socket: ws, principal: check.principal, bbox };
      this.#subscribers.add(sub);
      // Through the shared timer: `expiresAt - now` of a 30-day token overflows setTimeout,
      // which then fired at once and threw every long-lived token off the stream.
      const expiry = setDeadlineTimer(check.principal.expiresAt, this.now, () => {
        ws.close(4001, 'token expired');
      });
      const inbound = new TokenBucket(
        TELEMETRY_INBOUND.perSecond,
        TELEMETRY_INBOUND.burst,
        this.now(),
      );
      ws.on('message', (data: Buffer, isBinary) => {
        if (ws.readyState !== ws.OPEN) return; // closing: the rest of a flood is not read
        if (!inbound.take(this.now())) {
          this.onRefused('TELEMETRY.RATE_LIMITED');
          ws.close(1008, 'rate limit exceeded');
          return;
        }
        const next = isBinary ? null : parseBBox(safeJson(data.toString('utf8'))?.bbox);
        if (next === null) {
          this.onRefused('TELEMETRY.BAD_MESSAGE');
          ws.close(1002, 'expected {"bbox":[w,s,e,n]}');
        } else sub.bbox = next;
      });
      ws.on('close', () => {
        expiry.clear();
        this.#subscribers.delete(sub);
      });
      // ws has already answered (1009 oversize, 1002 bad framing) and is closing: the client's
      // mistake, so its code only, no stack.
      ws.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.onRefused('TELEMETRY.TOO_BIG');
        this.log.debug({ code: err.code }, 'telemetry socket error');
      });
    });
  }

  /** Sends one frame of positions to every subscriber, filtered by its area. */
  broadcast(at: number, fixes: readonly TelemetryTuple[]): void {
    let sent = 0;
    for (const sub of this.#subscribers) {
      if (
        sub.socket.readyState !== sub.socket.OPEN ||
        sub.socket.bufferedAmount > MAX_BUFFERED_BYTES
      )
        continue;
      const visible = fixes.filter((f) => inside(sub.bbox, f[1], f[2]));
      if (visible.length === 0) continue;
      sub.socket.send(encodeTelemetryFrame(at, visible));
      sent += 1;
    }
    if (sent > 0) this.onFrames(sent);
  }

  count(): number {
    return this.#subscribers.size;
  }

  /** Closes with 4003 (as the Yjs hub does) every stream whose principal `refused`: a revocation. */
  closeRefused(refused: (principal: Principal) => boolean): number {
    let closed = 0;
    for (const sub of this.#subscribers)
      if (refused(sub.principal)) {
        sub.socket.close(4003, 'access revoked');
        closed += 1;
      }
    return closed;
  }

  close(code: number): void {
    for (const sub of this.#subscribers) sub.socket.close(code, 'server shutting down');
    this.#wss.close();
  }
}

function safeJson(text: string): { bbox?: unknown } | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? v : null;
  } catch {
    return null;
  }
}
