import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type * as Y from 'yjs';
import {
  defaultDocAccess,
  isKnownDocName,
  type DocAccess,
  type Principal,
} from '../access/doc-access.policy';
import { CompactionScheduler } from '../compaction/compaction-scheduler';
import type { DocCompactor } from '../compaction/doc-compactor.port';
import { singleInstanceFanout, type DocFanout } from '../fanout/doc-fanout.port';
import type { DocStore } from '../store/doc-store.port';
import { GroupCommit } from './group-commit';
import { refuseUpgrade } from '../../http';
import { HubDoc } from './hub-doc';
import { CLOSE, YjsConnection } from './yjs-connection';
import { noopYjsMetrics, promYjsMetrics, type YjsMetrics } from './yjs-metrics';

/** Outcome of checking the `?token=` of an upgrade request. */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

export interface YjsHubOptions {
  /**
   * Update log. Every accepted update is awaited through `appendBatch` before it is broadcast;
   * the hub does not close the store (its owner does).
   */
  readonly store: DocStore;
  /**
   * Checks the token (`null` when the request has none) before the upgrade. Must be
   * synchronous and must not throw (if it does, the request gets 500).
   */
  authenticate(token: string | null): AuthResult;
  /** Who may do what with a document. Default: `defaultDocAccess` (see doc-access.policy.ts). */
  readonly docAccess?: (principal: Principal, docName: string) => DocAccess;
  /** Which names are documents at all (others get 404). Default: `isKnownDocName`. */
  readonly isKnownDoc?: (docName: string) => boolean;
  /** Allowed `Origin` headers; requests without one (native clients) are always allowed. */
  readonly allowedOrigins: readonly string[] | 'any';
  /** Largest accepted frame; bigger ones are refused by ws unbuffered, closing with 1009. */
  readonly maxMessageBytes: number;
  /** Per-connection token bucket over all client frames; exceeding it closes with 1008. */
  readonly rateLimit: { readonly messagesPerSecond: number; readonly burst: number };
  /** Clock in epoch ms, compared with `Principal.expiresAt` and feeding the rate limiter. */
  now(): number;
  /** Gets ids only (user, connection, document names), never document content or tokens. */
  readonly log: Logger;
  /** Registry to register the `fleetdesk_yjs_*` metrics on (once per registry). */
  readonly metrics?: Registry;
  /** URL path prefix; documents live at `${pathPrefix}/<doc-name>`. Default '/yjs'. */
  readonly pathPrefix?: string;
  /** How long a document with no connections stays in memory. Default 30 s. */
  readonly unloadAfterMs?: number;
  /** Compact a document's log when it has more rows than this. Default 500. */
  readonly compactAfter?: number;
  /**
   * Logs up to this many bytes are compacted inline even with a `compactor` (see
   * `HubDocDeps.inlineCompactMaxBytes`). Default 256 KiB, about 1.5 ms of encoding.
   */
  readonly inlineCompactMaxBytes?: number;
  /**
   * Compacts larger documents off the event loop (SQLite: `SqliteCompactionWorker`); the hub
   * does not stop it. Without one, or once it has died, the hub compacts inline.
   */
  readonly compactor?: DocCompactor;
  /**
   * Cross-instance fan-out (`doc-fanout.port.ts`): with several instances on one shared store,
   * each publishes the updates it stored and applies the others' to its loaded documents.
   * Default: `singleInstanceFanout` (nothing to do). The hub does not close it (its owner does,
   * after `close`).
   */
  readonly fanout?: DocFanout;
  /** Ping interval; a socket that missed the previous pong is dropped. Default 30 s. */
  readonly heartbeatMs?: number;
  /** How long `close` waits for clients to finish the closing handshake. Default 2 s. */
  readonly shutdownGraceMs?: number;
}

export interface YjsHub {
  /**
   * Handles an HTTP upgrade for `${pathPrefix}/<doc-name>?token=...`. Checks, in order:
   * shutting down (503), Origin (403), document name (404), token (401 or the authenticator's
   * 403), expiry (401), access `none` (403). A refusal writes an HTTP response and destroys
   * the socket; it never upgrades. Never throws.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Runs `fn` on the document (loading it if needed) in one transaction tagged 'server'. When
   * the promise resolves, the change is persisted and has been sent to every connected client.
   * Rejects on an unknown document name, after `close`, if the document failed to load, if
   * persisting failed, or with what `fn` threw.
   */
  serverTransact(docName: string, fn: (doc: Y.Doc) => void): Promise<void>;
  /**
   * Stops accepting upgrades (503), closes every socket with `code` (1001 going away,
   * 1012 restart), waits for them up to `shutdownGraceMs`, then unloads all documents.
   * Accepted updates still queued or in flight in the group commit are stored (awaited) before
   * documents are unloaded; loads and rebuilds under way are waited for too.
   * Idempotent; later calls return the first call's promise.
   */
  close(code: 1001 | 1012): Promise<void>;
  /**
   * Closes with 4003 every socket whose principal `refused` (a revocation): such a socket must
   * not outlive it until its token expires. Resolves to how many were closed.
   */
  closeRefused(refused: (principal: Principal) => boolean): number;
  stats(): { sockets: number; docs: number };
}

/** Builds the Yjs endpoint. The caller mounts `handleUpgrade` on its HTTP server's 'upgrade'. */
export function createYjsHub(options: YjsHubOptions): YjsHub {
  return new Hub(options);
}

class Hub implements YjsHub {
  private readonly docs = new Map<string, HubDoc>();
  // Loads under way: concurrent connections to the same unloaded document share one.
  private readonly loading = new Map<string, Promise<HubDoc>>();
  private readonly unloadTimers = new Map<HubDoc, NodeJS.Timeout>();
  private readonly connections = new Set<YjsConnection>();
  private readonly wss: WebSocketServer;
  private readonly log: Logger;
  private readonly metrics: YjsMetrics;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly prefix: string;
  private readonly commits: GroupCommit;
  private readonly compactions: CompactionScheduler;
  private closing: Promise<void> | undefined;
  private closeCode: number = CLOSE.goingAway;
  private nextConnectionId = 1;

  constructor(private readonly opts: YjsHubOptions) {
    this.log = opts.log.child({ component: 'yjs-hub' });
    this.prefix = `${opts.pathPrefix ?? '/yjs'}/`;
    this.metrics =
      opts.metrics === undefined
        ? noopYjsMetrics
        : promYjsMetrics(opts.metrics, () => this.stats());
    const metrics = this.metrics;
    this.commits = new GroupCommit(opts.store, undefined, (updates, ms) => {
      metrics.batchStored(updates, ms);
    });
    this.compactions = new CompactionScheduler(opts.compactor, this.log, this.metrics);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: opts.maxMessageBytes,
      perMessageDeflate: false,
    });
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections) {
        if (connection.alive) connection.ping();
        else connection.terminate();
      }
    }, opts.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing !== undefined) {
      this.refuse(socket, 503, 'server shutting down');
      return;
    }
    const origin = req.headers.origin;
    const origins = this.opts.allowedOrigins;
    if (origin !== undefined && origins !== 'any' && !origins.includes(origin)) {
      this.refuse(socket, 403, 'origin not allowed');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    } catch {
      this.refuse(socket, 400, 'bad request target');
      return;
    }
    const docName = url.pathname.startsWith(this.prefix)
      ? url.pathname.slice(this.prefix.length)
      : '';
    if (!(this.opts.isKnownDoc ?? isKnownDocName)(docName)) {
      this.refuse(socket, 404, 'unknown document');
      return;
    }
    let principal: Principal;
    let access: DocAccess;
    try {
      const auth = this.opts.authenticate(url.searchParams.get('token'));
      if (!auth.ok) {
        this.refuse(socket, auth.status, auth.reason);
        return;
      }
      principal = auth.principal;
      if (principal.expiresAt <= this.opts.now()) {
        this.refuse(socket, 401, 'token expired');
        return;
      }
      access = (this.opts.docAccess ?? defaultDocAccess)(principal, docName);
    } catch (err) {
      this.log.error({ err, doc: docName }, 'yjs upgrade check threw');
      this.refuse(socket, 500, 'internal error');
      return;
    }
    if (access === 'none') {
      this.refuse(socket, 403, 'no access to this document');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.onOpen(ws, principal, docName, access);
    });
  }

  async serverTransact(docName: string, fn: (doc: Y.Doc) => void): Promise<void> {
    if (this.closing !== undefined) throw new Error('yjs hub is closed');
    if (!(this.opts.isKnownDoc ?? isKnownDocName)(docName)) {
      throw new Error(`yjs: unknown document ${docName}`);
    }
    const hubDoc = await this.acquire(docName);
    try {
      await hubDoc.serverTransact(fn);
    } finally {
      this.unloadIfIdle(hubDoc);
    }
  }

  close(code: 1001 | 1012): Promise<void> {
    this.closing ??= this.shutdown(code);
    return this.closing;
  }

  closeRefused(refused: (principal: Principal) => boolean): number {
    let closed = 0;
    for (const c of this.connections)
      if (refused(c.principal)) {
        c.close(CLOSE.accessRevoked, 'access revoked');
        closed += 1;
      }
    return closed;
  }

  stats(): { sockets: number; docs: number } {
    return { sockets: this.connections.size, docs: this.docs.size };
  }

  private async shutdown(code: 1001 | 1012): Promise<void> {
    this.closeCode = code;
    clearInterval(this.heartbeat);
    const grace = this.opts.shutdownGraceMs ?? 2_000;
    await Promise.all([...this.connections].map((c) => c.shutdown(code, grace)));
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
    await Promise.allSettled(this.loading.values());
    // A rebuild or a sync reply may still be waiting on the store; then the commit queue: frames
    // that arrived before the sockets closed may still be queued or in flight. Store them.
    for (const hubDoc of this.docs.values()) while (hubDoc.gate !== null) await hubDoc.gate;
    await this.commits.drain();
    for (const hubDoc of this.docs.values()) hubDoc.destroy();
    this.docs.clear();
    this.wss.close();
    this.log.info({ code }, 'yjs hub closed');
  }

  private onOpen(ws: WebSocket, principal: Principal, docName: string, access: 'write' | 'read') {
    // The handshake may finish after close() began.
    if (this.closing !== undefined) {
      ws.close(this.closeCode, 'server shutting down');
      return;
    }
    const connection = new YjsConnection(this.nextConnectionId++, ws, principal, docName, access, {
      now: () => this.opts.now(),
      log: this.log,
      metrics: this.metrics,
      rateLimit: this.opts.rateLimit,
      inbox: { maxFrames: this.opts.rateLimit.burst, maxBytes: this.opts.maxMessageBytes },
      onClosed: (closed) => {
        this.connections.delete(closed);
        if (closed.hubDoc !== null) this.unloadIfIdle(closed.hubDoc);
      },
    });
    this.connections.add(connection);
    // Listening from the first moment: frames sent before the document is loaded are held.
    connection.start();
    void this.acquire(docName).then(
      (hubDoc) => {
        // Dropped (a failed persist) between the load and now: as if the load had failed.
        if (this.docs.get(docName) !== hubDoc) {
          connection.loadFailed();
          return;
        }
        if (!connection.attach(hubDoc)) this.unloadIfIdle(hubDoc);
      },
      (err: unknown) => {
        this.log.error({ err, doc: docName }, 'yjs doc failed to load');
        connection.loadFailed();
      },
    );
  }

  /**
   * The loaded document, loading it (before anything is sent to a client) if needed. Concurrent
   * callers share one load; a failed load is not cached, the next caller tries again.
   */
  private acquire(docName: string): Promise<HubDoc> {
    const loaded = this.docs.get(docName);
    if (loaded !== undefined) {
      clearTimeout(this.unloadTimers.get(loaded));
      this.unloadTimers.delete(loaded);
      return Promise.resolve(loaded);
    }
    const pending = this.loading.get(docName);
    if (pending !== undefined) return pending;
    const load = HubDoc.load(docName, {
      store: this.opts.store,
      commits: this.commits,
      log: this.log,
      metrics: this.metrics,
      compactAfter: staggered(this.opts.compactAfter ?? 500, docName),
      inlineCompactMaxBytes: this.opts.inlineCompactMaxBytes ?? 256 * 1024,
      compactions: this.compactions,
      fanout: this.opts.fanout ?? singleInstanceFanout,
      onBroken: (broken) => {
        this.drop(broken);
      },
    }).then(
      (hubDoc) => {
        this.loading.delete(docName);
        this.docs.set(docName, hubDoc);
        this.log.debug({ doc: docName }, 'yjs doc loaded');
        return hubDoc;
      },
      (err: unknown) => {
        this.loading.delete(docName);
        throw err;
      },
    );
    this.loading.set(docName, load);
    return load;
  }

  private unloadIfIdle(hubDoc: HubDoc): void {
    if (hubDoc.peers.size > 0 || this.docs.get(hubDoc.name) !== hubDoc) return;
    if (this.unloadTimers.has(hubDoc) || this.closing !== undefined) return;
    const timer = setTimeout(() => {
      this.unloadTimers.delete(hubDoc);
      if (hubDoc.peers.size > 0 || this.docs.get(hubDoc.name) !== hubDoc) return;
      // Updates still queued or in flight, a server write or an exclusive section under way:
      // unloading now would let a reload miss rows about to be stored. Try again later.
      if (!hubDoc.idle) {
        this.unloadIfIdle(hubDoc);
        return;
      }
      this.docs.delete(hubDoc.name);
      hubDoc.destroy();
      this.log.debug({ doc: hubDoc.name }, 'yjs doc unloaded');
    }, this.opts.unloadAfterMs ?? 30_000);
    timer.unref();
    this.unloadTimers.set(hubDoc, timer);
  }

  // The in-memory doc holds a change the store refused: forget it, and make every client
  // reconnect and resync from the store (their own copies still hold their edits).
  private drop(hubDoc: HubDoc): void {
    this.docs.delete(hubDoc.name);
    clearTimeout(this.unloadTimers.get(hubDoc));
    this.unloadTimers.delete(hubDoc);
    for (const peer of [...hubDoc.peers]) peer.close(CLOSE.internalError, 'document unavailable');
    hubDoc.destroy();
  }

  private refuse(socket: Duplex, status: number, reason: string): void {
    this.metrics.upgradeRefused(status);
    this.log.info({ status, reason }, 'yjs upgrade refused');
    refuseUpgrade(socket, status, reason);
  }
}

/**
 * Per-document compaction threshold between `base` and 1.5 × `base`, fixed by the
 * name: documents opened together and written at the same rate (a region's boards
 * at the start of a shift) would otherwise all compact in the same instant.
 */
function staggered(base: number, docName: string): number {
  let hash = 0;
  for (let i = 0; i < docName.length; i += 1) hash = (hash * 31 + docName.charCodeAt(i)) >>> 0;
  return base + (hash % Math.max(1, Math.floor(base / 2)));
}
