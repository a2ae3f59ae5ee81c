import type { Logger } from 'pino';
import type { CardDataKind } from '../../../domain/shared';
import WebSocket from 'ws';
import type { Principal } from '../access/doc-access.policy';
import type { DocPeer, HubDoc } from './hub-doc';
import { setDeadlineTimer, type LongTimeout } from '../../timers';
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
  /** The user's or the desk's access was revoked (the desk refreshes and learns which). */
  accessRevoked: 4003,
} as const;

export interface ConnectionDeps {
  readonly now: () => number;
  readonly log: Logger;
  readonly metrics: YjsMetrics;
  readonly rateLimit: { readonly messagesPerSecond: number; readonly burst: number };
  /**
   * Bounds on the frames held back while the document loads or is gated (see `HubDoc`):
   * more than `maxFrames` closes with 1008 (rate limit), more than `maxBytes` in all (beyond
   * the first frame, which is always held) with 1009 (too big).
   */
  readonly inbox: { readonly maxFrames: number; readonly maxBytes: number };
  /** Called once, after the socket closed and the peer left its document (if it had joined). */
  onClosed(connection: YjsConnection): void;
}

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

interface HeldFrame {
  readonly message: ClientMessage;
  readonly bytes: number;
}

/**
 * One client socket attached to one document. Frames are handled in arrival order, each to
 * completion: a frame whose handling waits (the document is still loading, a sync reply waits
 * for the store, the document is gated) holds the ones after it in a bounded inbox. Nothing is
 * sent to the client before its document is loaded and attached. Any frame the connection
 * cannot accept closes this socket only; the shared document and other clients are never affected.
 */
export class YjsConnection implements DocPeer {
  /** Cleared by the hub's heartbeat before each ping, set again by the pong. */
  alive = true;
  readonly canWrite: boolean;
  private closing = false;
  private expiryTimer: LongTimeout | undefined;
  private readonly bucket: TokenBucket;
  private readonly closed: Promise<void>;
  private readonly log: Logger;
  private doc: HubDoc | null = null;
  private readonly inbox: HeldFrame[] = [];
  private inboxBytes = 0;
  // A frame's handling is under way asynchronously; later frames wait in the inbox.
  private waiting = false;

  constructor(
    readonly connectionId: number,
    private readonly ws: WebSocket,
    readonly principal: Principal,
    readonly docName: string,
    access: 'write' | 'read',
    private readonly deps: ConnectionDeps,
  ) {
    this.canWrite = access === 'write';
    this.bucket = new TokenBucket(
      deps.rateLimit.messagesPerSecond,
      deps.rateLimit.burst,
      deps.now(),
    );
    this.log = deps.log.child({ conn: connectionId, userId: principal.userId, doc: docName });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code: number) => {
        this.closing = true;
        this.expiryTimer?.clear();
        this.inbox.length = 0;
        this.doc?.removePeer(this);
        this.log.debug({ code }, 'yjs socket closed');
        deps.onClosed(this);
        resolve();
      });
    });
  }

  /** The document this connection joined; `null` while it loads (or if it never did). */
  get hubDoc(): HubDoc | null {
    return this.doc;
  }

  /**
   * Wires the socket up, right after the upgrade, before the document is loaded: frames that
   * arrive meanwhile are checked (expiry, rate limit, parsing) and held until `attach`.
   */
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
  }

  /**
   * Joins the loaded document (opening frames are sent now) and handles the frames held so far.
   * `false` if the socket closed meanwhile; the caller then owns the document's idleness.
   */
  attach(hubDoc: HubDoc): boolean {
    if (this.closing) return false;
    this.doc = hubDoc;
    hubDoc.addPeer(this);
    this.log.debug({ canWrite: this.canWrite }, 'yjs socket opened');
    this.drain();
    return true;
  }

  /** The document could not be loaded: close with 1011, as for a document that broke. */
  loadFailed(): void {
    this.close(CLOSE.internalError, 'document unavailable');
  }

  send(frame: Uint8Array): void {
    if (!this.closing && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Starts the closing handshake; further frames from this client are ignored. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.expiryTimer?.clear();
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
    const bytes = toBytes(data);
    let message: ClientMessage;
    try {
      message = parseClientMessage(bytes);
    } catch (err) {
      const detail = err instanceof ProtocolError ? err.message : 'undecodable';
      this.refuse('malformed', CLOSE.protocolError, detail);
      return;
    }
    this.accept(message, bytes.length);
  }

  private accept(message: ClientMessage, bytes: number): void {
    if (this.doc === null || this.waiting || this.inbox.length > 0) {
      const { maxFrames, maxBytes } = this.deps.inbox;
      if (this.inbox.length >= maxFrames) {
        this.refuse('rate-limited', CLOSE.policyViolation, 'too many frames while waiting');
        return;
      }
      if (this.inbox.length > 0 && this.inboxBytes + bytes > maxBytes) {
        this.refuse('too-big', CLOSE.tooBig, 'too much data while waiting');
        return;
      }
      this.inbox.push({ message, bytes });
      this.inboxBytes += bytes;
      return;
    }
    this.run(this.doc, message);
  }

  private run(doc: HubDoc, message: ClientMessage): void {
    let pending: Promise<void> | undefined;
    try {
      pending = this.handle(doc, message);
    } catch (err) {
      this.failed(err);
      return;
    }
    if (pending === undefined) return;
    this.waiting = true;
    void pending
      .catch((err: unknown) => {
        this.failed(err);
      })
      .finally(() => {
        this.waiting = false;
        this.drain();
      });
  }

  private drain(): void {
    while (!this.waiting && !this.closing && this.doc !== null) {
      if (this.inbox.length === 0) return;
      // A frame held while the document loaded or was gated was checked against the token when
      // it arrived; the token may have run out since (the timer could not close the socket yet).
      if (this.deps.now() >= this.principal.expiresAt) {
        this.expire();
        return;
      }
      const next = this.inbox.shift();
      if (next === undefined) return;
      this.inboxBytes -= next.bytes;
      this.run(this.doc, next.message);
    }
  }

  // A bug, not the client's fault: close this socket only, as for a broken document.
  private failed(err: unknown): void {
    this.log.error({ err }, 'yjs frame handling failed');
    this.close(CLOSE.internalError, 'internal error');
  }

  /** Handles one frame; a promise if it has to wait (later frames wait behind it). */
  private handle(doc: HubDoc, message: ClientMessage): Promise<void> | undefined {
    if (this.closing) return undefined;
    switch (message.kind) {
      case 'sync-step1':
        return doc.syncStep2For(message.stateVector).then(
          (reply) => {
            // null: the document was just dropped (store failure) and this socket closed with 1011.
            if (reply !== null) this.send(reply);
          },
          () => {
            this.refuse('malformed', CLOSE.protocolError, 'bad state vector');
          },
        );
      case 'sync-step2':
      case 'sync-update': {
        // Readers' writes are dropped silently (and counted): the stock provider has no way
        // to be told, and closing would only make it reconnect and resend the same edit.
        if (!this.canWrite) {
          this.reject('read-only');
          return undefined;
        }
        // The document is being rebuilt or answering a sync step 1 (see HubDoc): wait.
        const gate = doc.gate;
        if (gate !== null) return gate.then(() => this.handle(doc, message));
        const result = doc.applyClientUpdate(this, message.update);
        if (result === 'invalid')
          this.refuse('invalid-update', CLOSE.protocolError, 'invalid update');
        else if (result !== 'applied') this.refuseCardData(result);
        return undefined;
      }
      case 'awareness': {
        const result = doc.applyClientAwareness(this, message.update);
        if (result === 'malformed') {
          this.refuse('malformed', CLOSE.protocolError, 'bad awareness update');
        } else if (result !== 'applied') this.refuseCardData(result);
        return undefined;
      }
      case 'query-awareness': {
        const snapshot = doc.awarenessSnapshot();
        if (snapshot !== null) this.send(snapshot);
        return undefined;
      }
    }
  }

  private refuse(reason: RejectReason, code: number, text: string): void {
    this.reject(reason);
    this.log.info({ reason, code }, 'yjs frame refused, closing socket');
    this.close(code, text);
  }

  // 1008 with a reason the operator's tool can show; the text itself is never logged.
  private refuseCardData(kind: CardDataKind): void {
    this.refuse(
      'card-data',
      CLOSE.policyViolation,
      kind === 'card-number'
        ? 'refused: card numbers must never be written here'
        : 'refused: card security codes must never be written here',
    );
  }

  private reject(reason: RejectReason): void {
    this.deps.metrics.frameRejected(reason);
  }

  private expire(): void {
    this.log.info('yjs token expired, closing socket');
    this.close(CLOSE.tokenExpired, 'token expired');
  }

  private armExpiry(): void {
    // Any length (tokens may live 30 days), re-checked against `now` when it fires.
    this.expiryTimer = setDeadlineTimer(this.principal.expiresAt, this.deps.now, () => {
      this.expire();
    });
  }
}
