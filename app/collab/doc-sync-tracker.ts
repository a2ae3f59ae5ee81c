import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { messageSync, type WebsocketProvider } from 'y-websocket';

/** What the UI shows per document. Plain data, safe to send to the renderer. */
export interface DocSyncStatus {
  /**
   * online: connected and the first exchange with the server is done. connecting: a first
   * attempt (after open, connect() or a token change) is under way. offline: not connected,
   * including while retrying after a failed attempt (so an outage does not flicker).
   */
  readonly state: 'online' | 'offline' | 'connecting';
  /** Epoch ms when the server last answered a sync request of ours; null if never this session. */
  readonly lastSyncedAt: number | null;
  /**
   * Local edits the server has not confirmed yet (kept across restarts). See DocSyncTracker
   * for how "confirmed" is established.
   */
  readonly pendingLocalUpdates: boolean;
  /**
   * What the server lets this operator do with the document, learned on the first exchange of
   * each connection (unknown before). On a 'read' document local edits are dropped by the
   * server: they stay on this desktop only and pendingLocalUpdates stays true.
   */
  readonly access: 'write' | 'read' | 'unknown';
}

export interface DocSyncTrackerDeps {
  readonly now: () => number;
  /** Highest local log sequence number; everything up to it is in the Y.Doc. */
  readonly lastSeq: () => number;
  /** The server holds everything stored up to and including `seq`. */
  readonly confirm: (seq: number) => void;
  readonly hasUnconfirmed: () => boolean;
  readonly onChange: (status: DocSyncStatus) => void;
  /** Coalesces bursts of edits into one confirmation round trip. */
  readonly confirmDelayMs: number;
}

/**
 * Derives a DocSyncStatus from a stock WebsocketProvider, without changing the protocol.
 *
 * "Pending" is an approximation built on two facts about our sync server: it sends sync step 1
 * on open only to clients that may write, and it handles each socket's frames in order, to
 * completion. So once the server's step 1 has been answered (our step 2 carries everything it
 * lacks), a sync step 1 we send later is answered only after every earlier frame of ours was
 * applied and persisted. We send such a step 1 after local edits (a confirmation round trip)
 * and, when its step 2 arrives, mark the local log confirmed up to where it was when we sent
 * it. If the socket closes first, nothing is confirmed and the next connection starts over.
 * No step 1 from the server means read-only access: edits are never confirmed.
 * The provider's own `resyncInterval` must stay off: its unannounced step 1s would shift the
 * pairing of requests and answers.
 */
export class DocSyncTracker {
  private state: DocSyncStatus['state'] = 'offline';
  private access: DocSyncStatus['access'] = 'unknown';
  private lastSyncedAt: number | null = null;
  private pending: boolean;
  private failedSinceConnect = false;
  private serverAsked = false;
  private accessKnownOnSocket = false;
  /** Per step 1 sent on the current socket, in order: the log position it confirms, or null. */
  private inFlight: (number | null)[] = [];
  private confirmTimer: NodeJS.Timeout | undefined;
  private destroyed = false;
  private last: DocSyncStatus;

  constructor(
    private readonly provider: WebsocketProvider,
    private readonly deps: DocSyncTrackerDeps,
  ) {
    this.pending = deps.hasUnconfirmed();
    this.last = this.snapshot();
    const handleSync = provider.messageHandlers[messageSync];
    if (handleSync === undefined) throw new Error('y-websocket has no sync message handler');
    provider.messageHandlers[messageSync] = (encoder, decoder, p, emitSynced, type) => {
      const kind = decoding.readVarUint(decoding.clone(decoder));
      if (kind === syncProtocol.messageYjsSyncStep2) this.onServerAnswer();
      handleSync(encoder, decoder, p, emitSynced, type);
      // After the handler: the provider sends our step 2 reply right after it returns, and
      // the confirmation round trip must follow that reply.
      if (kind === syncProtocol.messageYjsSyncStep1) {
        this.serverAsked = true;
        this.scheduleConfirm();
      }
    };
    provider.on('status', ({ status }) => {
      if (status === 'connecting' && !this.failedSinceConnect) this.set({ state: 'connecting' });
      if (status === 'connected') {
        // The provider sends its own step 1 right after this event: its answer confirms nothing.
        this.inFlight = [null];
        this.serverAsked = false;
        this.accessKnownOnSocket = false;
      }
    });
    provider.on('connection-close', () => {
      this.inFlight = [];
      this.serverAsked = false;
      this.failedSinceConnect = true;
      this.set({ state: 'offline' });
    });
    provider.on('sync', (synced) => {
      if (!synced) return;
      this.failedSinceConnect = false;
      this.set({ state: 'online' });
    });
  }

  status(): DocSyncStatus {
    return this.last;
  }

  /** (Re)starts connecting; the state shows 'connecting' until the first attempt fails. */
  connect(): void {
    this.failedSinceConnect = false;
    if (!this.provider.wsconnected) this.set({ state: 'connecting' });
    this.provider.connect();
  }

  /** Closes the socket and stops retrying until connect(). */
  disconnect(): void {
    this.provider.disconnect();
    this.set({ state: 'offline' });
  }

  /** A local edit was stored: it is pending until a confirmation round trip covers it. */
  onLocalChange(): void {
    this.set({ pending: true });
    this.scheduleConfirm();
  }

  /** Forgets what the server told us about access (the token, hence the role, changed). */
  resetAccess(): void {
    this.set({ access: 'unknown' });
  }

  /** Stops reporting; call before destroying the provider (which emits while closing). */
  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.confirmTimer);
  }

  private onServerAnswer(): void {
    const confirms = this.inFlight.shift();
    let access = this.access;
    if (!this.accessKnownOnSocket) {
      this.accessKnownOnSocket = true;
      access = this.serverAsked ? 'write' : 'read';
    }
    let pending = this.pending;
    if (confirms !== undefined && confirms !== null && access === 'write') {
      this.deps.confirm(confirms);
      pending = this.deps.hasUnconfirmed();
      // Rows written after the request (edits, a compaction) need one more round trip.
      if (pending) this.scheduleConfirm();
    }
    this.set({ access, pending, lastSyncedAt: this.deps.now() });
  }

  private scheduleConfirm(): void {
    if (this.confirmTimer !== undefined || !this.serverAsked) return;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = undefined;
      this.sendConfirmRequest();
    }, this.deps.confirmDelayMs);
    this.confirmTimer.unref();
  }

  private sendConfirmRequest(): void {
    const ws = this.provider.ws;
    if (this.destroyed || !this.serverAsked || ws === null || ws.readyState !== ws.OPEN) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    syncProtocol.writeSyncStep1(encoder, this.provider.doc);
    this.inFlight.push(this.deps.lastSeq());
    ws.send(encoding.toUint8Array(encoder));
  }

  private set(patch: {
    state?: DocSyncStatus['state'];
    access?: DocSyncStatus['access'];
    pending?: boolean;
    lastSyncedAt?: number;
  }): void {
    if (patch.state !== undefined) this.state = patch.state;
    if (patch.access !== undefined) this.access = patch.access;
    if (patch.pending !== undefined) this.pending = patch.pending;
    if (patch.lastSyncedAt !== undefined) this.lastSyncedAt = patch.lastSyncedAt;
    const next = this.snapshot();
    const prev = this.last;
    this.last = next;
    if (this.destroyed) return;
    if (
      next.state !== prev.state ||
      next.access !== prev.access ||
      next.pendingLocalUpdates !== prev.pendingLocalUpdates ||
      next.lastSyncedAt !== prev.lastSyncedAt
    ) {
      this.deps.onChange(next);
    }
  }

  private snapshot(): DocSyncStatus {
    return {
      state: this.state,
      lastSyncedAt: this.lastSyncedAt,
      pendingLocalUpdates: this.pending,
      access: this.access,
    };
  }
}
