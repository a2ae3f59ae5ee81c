import type { WritableDb } from '../replica';
import { CollabDocHandle, type CollabDoc, type CollabErrorContext } from './collab-doc';
import { isDocName, yjsEndpoint } from './doc-name';
import { LocalDocStore } from './local-doc-store';
import type { DocSyncStatus } from './doc-sync-tracker';

export interface CollabDocsOptions {
  /** The profile's replica (migrated to v4 or later). CollabDocs never closes it. */
  readonly db: WritableDb;
  /** Sync server: its http(s) origin (HostConfig.syncServerUrl) or its ws(s) `/yjs` endpoint. */
  readonly serverUrl: string;
  /**
   * Several sync servers (`--server http://a,http://b`): connect to the current one, and report
   * one that cannot be reached so every part of the desk moves on. Overrides `serverUrl`.
   */
  readonly servers?: { current(): string; failed(url: string): void };
  /**
   * The operator's current access token, asked for before each connection attempt. If it
   * throws, the previous token is kept and the error goes to `onError`.
   */
  readonly getToken: () => string;
  /** The server closed a document's socket because the access was revoked (close code 4003). */
  readonly tokenRefused?: () => void;
  /** Connect when a document is opened (default true); false opens documents offline. */
  readonly connect?: boolean;
  /** Stored rows per document after which its log is compacted into one row (default 200). */
  readonly compactAfter?: number;
  /** Upper bound of the provider's reconnect backoff (default 2500 ms). */
  readonly maxBackoffMs?: number;
  /** Delay that coalesces a burst of edits into one confirmation round trip (default 25 ms). */
  readonly confirmDelayMs?: number;
  readonly now?: () => number;
  /**
   * Failures that must not stop the desk: an unreadable stored row (skipped), a failed local
   * write (the next write stores the whole document), getToken or a listener throwing.
   * Default: console.error.
   */
  readonly onError?: (error: unknown, context: CollabErrorContext) => void;
}

/**
 * The desktop's collaborative documents (notes, flags, claims, checklists, dispatch
 * annotations): each restored from the profile's SQLite file, persisted on every change and
 * synced with the sync server. One instance per profile, on the replica's single writer.
 */
export class CollabDocs {
  private readonly docs = new Map<string, CollabDocHandle>();
  private readonly listeners = new Set<(docName: string, status: DocSyncStatus) => void>();
  private readonly store: LocalDocStore;
  private readonly endpoint: () => string;
  private closed = false;

  /** Throws if `serverUrl` is not an http(s)/ws(s) URL or the yjs_local table is missing. */
  constructor(private readonly options: CollabDocsOptions) {
    const servers = options.servers;
    const fixed = yjsEndpoint(options.serverUrl);
    this.endpoint = servers ? () => yjsEndpoint(servers.current()) : () => fixed;
    this.store = new LocalDocStore(options.db);
  }

  /**
   * Opens a document, or returns the handle already open under that name. Restores it from
   * SQLite synchronously, so its content is readable as soon as this returns, before any
   * network I/O; then connects in the background (see `connect`). Throws on a name the server
   * does not serve, after close(), or if the database fails.
   */
  open(docName: string): CollabDoc {
    if (this.closed) throw new Error('CollabDocs is closed');
    if (!isDocName(docName)) throw new Error(`Not a collaborative document name: ${docName}`);
    const existing = this.docs.get(docName);
    if (existing !== undefined) return existing;
    const onError = this.options.onError ?? defaultOnError;
    const handle = new CollabDocHandle(docName, {
      store: this.store,
      endpoint: this.endpoint,
      unreachable: (endpoint) => {
        // Reported as the http(s) origin the list holds; a server that is no longer current is ignored.
        const servers = this.options.servers;
        if (servers && yjsEndpoint(servers.current()) === endpoint)
          servers.failed(servers.current());
      },
      getToken: this.options.getToken,
      ...(this.options.tokenRefused ? { tokenRefused: this.options.tokenRefused } : {}),
      connect: this.options.connect ?? true,
      compactAfter: this.options.compactAfter ?? 200,
      maxBackoffMs: this.options.maxBackoffMs ?? 2500,
      confirmDelayMs: this.options.confirmDelayMs ?? 25,
      now: this.options.now ?? Date.now,
      onError,
      onStatus: (name, status) => {
        for (const listener of [...this.listeners]) {
          try {
            listener(name, status);
          } catch (error) {
            onError(error, { docName: name, during: 'listener' });
          }
        }
      },
      onClosed: (doc) => {
        if (this.docs.get(doc.name) === doc) this.docs.delete(doc.name);
      },
    });
    this.docs.set(docName, handle);
    return handle;
  }

  /** Sync status of an open document. Throws if it is not open. */
  status(docName: string): DocSyncStatus {
    const doc = this.docs.get(docName);
    if (doc === undefined) throw new Error(`Collaborative document not open: ${docName}`);
    return doc.status();
  }

  /**
   * Calls `listener(docName, status)` synchronously after each status change of any open
   * document (after that document's own listeners). Returns the unsubscribe function.
   */
  onStatus(listener: (docName: string, status: DocSyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The operator's token changed (renewed, new role): every open document whose token
   * differs reconnects with the new one. Reconnects after an expiry pick it up by themselves.
   */
  tokenChanged(): void {
    for (const doc of this.docs.values()) doc.tokenChanged();
  }

  /**
   * Opens (and so connects) every document holding local edits the server has not
   * confirmed, so work done offline is uploaded as soon as the desktop is back,
   * not only when someone next looks at that delivery. `mayUpload` leaves out documents the
   * signed-in operator could not upload to (another role's offline work waits for that
   * role). Returns their names.
   */
  openUnconfirmed(mayUpload: (docName: string) => boolean = () => true): string[] {
    const names = this.store.docsWithUnconfirmedEdits().filter(mayUpload);
    for (const name of names) this.open(name);
    return names;
  }

  /**
   * Closes every open document but stays usable (a sign-out: the next operator opens what
   * they need with their own token and role). Edits are on disk already; unconfirmed ones are
   * uploaded when a later `openUnconfirmed` opens their document again.
   */
  closeAll(): void {
    for (const doc of [...this.docs.values()]) doc.close();
    this.docs.clear();
  }

  /**
   * Closes every document (sockets, timers, compaction). Idempotent. Call it before closing
   * the database; later open() calls throw.
   */
  close(): void {
    this.closed = true;
    for (const doc of [...this.docs.values()]) doc.close();
    this.listeners.clear();
  }
}

function defaultOnError(error: unknown, context: CollabErrorContext): void {
  console.error(`collab: ${context.during} failed for ${context.docName}`, error);
}
