import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { DocPersistence } from './doc-persistence';
import { jitteredWebSocket } from './jittered-websocket';
import type { LocalDocStore } from './local-doc-store';
import { DocSyncTracker, type DocSyncStatus } from './doc-sync-tracker';

/** The sync server's close code for a socket whose user or desk was revoked. */
export const ACCESS_REVOKED = 4003;

/** Where a CollabDocs error happened; passed to `onError` with the error itself. */
export interface CollabErrorContext {
  readonly docName: string;
  readonly during: 'restore' | 'persist' | 'compact' | 'token' | 'listener';
}

/**
 * One open collaborative document: restored from SQLite, persisted on every change, synced
 * with the server through the stock y-websocket provider.
 */
export interface CollabDoc {
  readonly name: string;
  /**
   * The live document. Write through the board model (which tags LOCAL_ORIGIN); a direct
   * write with any other origin is still stored and synced as a local edit. Never destroy it
   * yourself: close() does.
   */
  readonly ydoc: Y.Doc;
  /** Current sync status (a fresh plain object after each change; never mutated). */
  status(): DocSyncStatus;
  /**
   * Calls `listener` synchronously after each status change, until the returned function is
   * called or the document is closed. A listener that throws is reported to `onError`; the
   * other listeners still run.
   */
  onStatus(listener: (status: DocSyncStatus) => void): () => void;
  /** Connects (again) after disconnect(); retries with backoff until it succeeds. */
  connect(): void;
  /** Goes offline on purpose: edits keep being stored locally and sync after connect(). */
  disconnect(): void;
  /**
   * Closes the socket, compacts the local log and destroys the Y.Doc. Idempotent. Every edit
   * is already on disk (writes are synchronous), so nothing is lost if close() is never called.
   */
  close(): void;
}

export interface CollabDocDeps {
  readonly store: LocalDocStore;
  /**
   * The Yjs endpoint to connect to now, asked before every attempt (several servers: it changes
   * when one fails), and where to report that it could not be reached.
   */
  readonly endpoint: () => string;
  readonly unreachable?: (endpoint: string) => void;
  readonly getToken: () => string;
  /** The server closed the socket with 4003: the access was revoked (the desk refreshes to learn how). */
  readonly tokenRefused?: () => void;
  readonly connect: boolean;
  readonly compactAfter: number;
  readonly maxBackoffMs: number;
  readonly confirmDelayMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown, context: CollabErrorContext) => void;
  readonly onStatus: (docName: string, status: DocSyncStatus) => void;
  readonly onClosed: (doc: CollabDocHandle) => void;
}

export class CollabDocHandle implements CollabDoc {
  readonly ydoc = new Y.Doc();
  private readonly persistence: DocPersistence;
  private readonly provider: WebsocketProvider;
  private readonly tracker: DocSyncTracker;
  private readonly listeners = new Set<(status: DocSyncStatus) => void>();
  private closed = false;

  /** Restores synchronously from SQLite, then (if deps.connect) starts connecting. */
  constructor(
    readonly name: string,
    private readonly deps: CollabDocDeps,
  ) {
    const { store } = deps;
    // Restored before the provider exists: the UI can render the document at once, offline,
    // and the first sync step 1 already carries everything this desktop knows.
    this.persistence = new DocPersistence(store, name, this.ydoc, {
      compactAfter: deps.compactAfter,
      isRemote: (origin) => origin === this.provider,
      onLocalChange: () => {
        this.tracker.onLocalChange();
      },
      onError: (error, during) => {
        deps.onError(error, { docName: name, during });
      },
    });
    this.provider = new WebsocketProvider(deps.endpoint(), name, this.ydoc, {
      connect: false,
      params: { token: this.currentToken('') },
      // The backoff is ours (capped exponential, full jitter); the provider's own fixed
      // schedule is cut to a 100 ms floor, so desks do not come back in lockstep.
      WebSocketPolyfill: jitteredWebSocket({ baseMs: 200, capMs: deps.maxBackoffMs }),
      // One process per profile: a BroadcastChannel would only mix up documents of different
      // operators in tests, and Node 20 has one globally.
      disableBc: true,
      maxBackoffTime: Math.min(100, deps.maxBackoffMs),
    });
    // Tokens expire (the server closes with 4001) and roles change: every reconnect attempt
    // asks for the current token.
    this.provider.on('connection-close', (event: { readonly code?: number } | null) => {
      if (this.closed) return;
      if (event?.code === ACCESS_REVOKED) deps.tokenRefused?.();
      this.provider.params['token'] = this.currentToken();
    });
    // A server that cannot be reached at all (refused, reset before the upgrade): report it, and
    // the next attempt goes to whichever server is current then (the provider reads
    // `serverUrl` when it reconnects).
    this.provider.on('connection-error', () => {
      if (this.closed) return;
      deps.unreachable?.(this.provider.serverUrl);
    });
    this.provider.on('connection-close', () => {
      if (!this.closed) this.provider.serverUrl = deps.endpoint();
    });
    this.tracker = new DocSyncTracker(this.provider, {
      now: deps.now,
      lastSeq: () => store.lastSeq(name),
      confirm: (seq) => {
        store.confirm(name, seq);
      },
      hasUnconfirmed: () => store.hasUnconfirmed(name),
      confirmDelayMs: deps.confirmDelayMs,
      onChange: (status) => {
        this.emit(status);
      },
    });
    if (deps.connect) this.tracker.connect();
  }

  status(): DocSyncStatus {
    return this.tracker.status();
  }

  onStatus(listener: (status: DocSyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connect(): void {
    if (!this.closed) this.tracker.connect();
  }

  disconnect(): void {
    if (!this.closed) this.tracker.disconnect();
  }

  /** The token changed: reconnect with it if it differs from the one in use. */
  tokenChanged(): void {
    if (this.closed) return;
    const token = this.currentToken();
    if (token === this.provider.params['token']) return;
    this.provider.params['token'] = token;
    this.tracker.resetAccess();
    if (this.provider.shouldConnect) {
      this.provider.disconnect();
      this.tracker.connect();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tracker.destroy();
    this.provider.destroy();
    // The provider does not own the awareness it created; its timer would outlive us.
    this.provider.awareness.destroy();
    this.persistence.flush();
    this.persistence.detach();
    this.ydoc.destroy();
    this.listeners.clear();
    this.deps.onClosed(this);
  }

  private currentToken(fallback = this.provider.params['token'] ?? ''): string {
    try {
      return this.deps.getToken();
    } catch (error) {
      // Keep the previous token: the server refuses it if it is no good, and we retry.
      this.deps.onError(error, { docName: this.name, during: 'token' });
      return fallback;
    }
  }

  private emit(status: DocSyncStatus): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch (error) {
        this.deps.onError(error, { docName: this.name, during: 'listener' });
      }
    }
    this.deps.onStatus(this.name, status);
  }
}
