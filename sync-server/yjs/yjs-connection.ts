import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Principal } from './doc-access.policy';
import type { DocPeer, HubDoc } from './hub-doc';
import { TokenBucket } from './token-bucket';
import { parseClientMessage, ProtocolError, type ClientMessage } from './yjs-protocol';
import type { RejectReason, YjsMetrics } from './yjs-metrics';

/** Close codes the hub uses (RFC 6455 and the 4000-4999 private range). */
export const CLOSE = {
  goingAway: 1001,
  protocolError: 1002,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  serviceRestart: 1012,
  tokenExpired: 4001,
} as const;

export interface ConnectionDeps {
  readonly now: () => number;
  readonly log: Logger;
  readonly metrics: YjsMetrics;
  readonly rateLimit: { readonly messagesPerSecond: number; readonly burst: number };
  /** Called once, after the socket closed and the peer left its document. */
  onClosed(connection: YjsConnection): void;
}

// setTimeout takes at most 2^31-1 ms; longer expiries re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

// ws hands over a Buffer (maybe a slice of a shared pool), an ArrayBuffer or fragments.
// Copy into one exact-size array so nothing decoded from it can see other memory.
const toBytes = (data: WebSocket.RawData): Uint8Array => {
  const parts = Array.isArray(data) ? data : [data];
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part instanceof ArrayBuffer ? new Uint8Array(part) : part, offset);
    offset += part.byteLength;
  }
  return bytes;
};

/**
 * One client socket attached to one document. Frames are handled in arrival order, each to
 * completion, on the event loop. Any frame the connection cannot accept closes this socket
 * only; the shared document and other clients are never affected.
 */
export class YjsConnection implements DocPeer {
  /** Cleared by the hub's heartbeat before each ping, set again by the pong. */
  alive = true;
  readonly canWrite: boolean;
  private closing = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly bucket: TokenBucket;
  private readonly closed: Promise<void>;
  private readonly log: Logger;

  constructor(
    readonly connectionId: number,
    private readonly ws: WebSocket,
    readonly principal: Principal,
    readonly hubDoc: HubDoc,
    access: 'write' | 'read',
    private readonly deps: ConnectionDeps,
  ) {
    this.canWrite = access === 'write';
    this.bucket = new TokenBucket(
      deps.rateLimit.messagesPerSecond,
      deps.rateLimit.burst,
      deps.now(),
    );
    this.log = deps.log.child({ conn: connectionId, userId: principal.userId, doc: hubDoc.name });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number) => {
        this.closing = true;
        clearTimeout(this.expiryTimer);
        this.hubDoc.removePeer(this);
        this.log.debug({ code }, 'yjs socket closed');
        deps.onClosed(this);
        resolve();
      });
    });
  }

  /** Wires the socket up and joins the document. Call once, right after the upgrade. */
  start(): void {
    this.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      this.onMessage(data, isBinary);
    });
    this.ws.on('pong', () => {
      this.alive = true;
    });
    this.ws.on('error', (err: Error & { code?: string }) => {
      // ws has already answered with 1009 (maxPayload) or 1002 (bad framing) and is closing.
      if (err.code?.startsWith('WS_ERR_') === true) {
        this.reject(err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'too-big' : 'malformed');
      }
      this.log.info({ code: err.code }, 'yjs socket error');
    });
    this.armExpiry();
    this.hubDoc.addPeer(this);
    this.log.debug({ canWrite: this.canWrite }, 'yjs socket opened');
  }

  send(frame: Uint8Array): void {
    if (!this.closing && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Starts the closing handshake; further frames from this client are ignored. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.expiryTimer);
    this.ws.close(code, reason);
  }

  /** Closes with `code` and resolves once the socket is gone, terminating it after `graceMs`. */
  async shutdown(code: number, graceMs: number): Promise<void> {
    this.close(code, 'server shutting down');
    const timer = setTimeout(() => {
      this.ws.terminate();
    }, graceMs);
    try {
      await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops a socket that did not answer the last ping. */
  terminate(): void {
    this.closing = true;
    this.ws.terminate();
  }

  ping(): void {
    this.alive = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closing) return;
    const now = this.deps.now();
    // Checked per frame too: a late timer must not let an expired principal write.
    if (now >= this.principal.expiresAt) {
      this.expire();
      return;
    }
    // Policy: exceeding the bucket closes the socket (1008) rather than dropping frames,
    // because a dropped Yjs update would silently desync the client.
    if (!this.bucket.take(now)) {
      this.refuse('rate-limited', CLOSE.policyViolation, 'rate limit exceeded');
      return;
    }
    if (!isBinary) {
      this.refuse('text-frame', CLOSE.protocolError, 'binary frames only');
      return;
    }
    let message: ClientMessage;
    try {
      message = parseClientMessage(toBytes(data));
    } catch (err) {
      const detail = err instanceof ProtocolError ? err.message : 'undecodable';
      this.refuse('malformed', CLOSE.protocolError, detail);
      return;
    }
    this.handle(message);
  }

  private handle(message: ClientMessage): void {
    switch (message.kind) {
      case 'sync-step1': {
        let reply: Uint8Array | null;
        try {
          reply = this.hubDoc.syncStep2For(message.stateVector);
        } catch {
          this.refuse('malformed', CLOSE.protocolError, 'bad state vector');
          return;
        }
        // null: the document was just dropped (store failure) and this socket closed with 1011.
        if (reply !== null) this.send(reply);
        return;
      }
      case 'sync-step2':
      case 'sync-update': {
        // Readers' writes are dropped silently (and counted): the stock provider has no way
        // to be told, and closing would only make it reconnect and resend the same edit.
        if (!this.canWrite) {
          this.reject('read-only');
          return;
        }
        const result = this.hubDoc.applyClientUpdate(this, message.update);
        if (result === 'invalid') {
          this.refuse('invalid-update', CLOSE.protocolError, 'invalid update');
          return;
        }
        return;
      }
      case 'awareness':
        if (!this.hubDoc.applyClientAwareness(this, message.update)) {
          this.refuse('malformed', CLOSE.protocolError, 'bad awareness update');
          return;
        }
        return;
      case 'query-awareness': {
        const snapshot = this.hubDoc.awarenessSnapshot();
        if (snapshot !== null) this.send(snapshot);
        return;
      }
    }
  }

  private refuse(reason: RejectReason, code: number, text: string): void {
    this.reject(reason);
    this.log.info({ reason, code }, 'yjs frame refused, closing socket');
    this.close(code, text);
  }

  private reject(reason: RejectReason): void {
    this.deps.metrics.frameRejected(reason);
  }

  private expire(): void {
    this.log.info('yjs token expired, closing socket');
    this.close(CLOSE.tokenExpired, 'token expired');
  }

  private armExpiry(): void {
    const delay = this.principal.expiresAt - this.deps.now();
    if (delay <= 0) {
      this.expire();
      return;
    }
    this.expiryTimer = setTimeout(
      () => {
        // `now` may be a different clock than the timer's: re-check before acting.
        if (this.deps.now() >= this.principal.expiresAt) this.expire();
        else this.armExpiry();
      },
      Math.max(10, Math.min(delay, MAX_TIMER_MS)),
    );
    this.expiryTimer.unref();
  }
}
