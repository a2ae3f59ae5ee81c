import type { Logger } from 'pino';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { isWellFormedAwarenessUpdate } from './awareness-update';
import type { DocStore } from './doc-store.port';
import {
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from './yjs-protocol';
import type { YjsMetrics } from './yjs-metrics';

// Transaction origins. Every change to a shared doc is tagged with where it came from, so the
// one 'update' handler knows what to persist and whom to skip when broadcasting, and replaying
// the store on load never writes the store again (Hocuspocus does the same).
export const LOAD_ORIGIN = 'load';
export const SERVER_ORIGIN = 'server';

/** A connection as a document sees it. `send` never throws; it drops frames for closed sockets. */
export interface DocPeer {
  readonly connectionId: number;
  readonly canWrite: boolean;
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface HubDocDeps {
  readonly store: DocStore;
  readonly log: Logger;
  readonly metrics: YjsMetrics;
  /** Compact once the document has more stored rows than this. */
  readonly compactAfter: number;
  /** Called once when the in-memory doc can no longer be trusted (persistence failed). */
  onBroken(doc: HubDoc): void;
}

export type ClientUpdateResult = 'applied' | 'invalid' | 'broken';

// What an empty sync step 2 looks like (no structs, no deletions): nothing to validate or store.
const isEmptyUpdate = (update: Uint8Array): boolean =>
  update.length === 2 && update[0] === 0 && update[1] === 0;

/**
 * One loaded document: the shared `Y.Doc`, a shadow copy used to validate client updates,
 * the server-side awareness, and the connections attached to it.
 */
export class HubDoc {
  readonly peers = new Set<DocPeer>();
  readonly awareness: awarenessProtocol.Awareness;
  private shadow: Y.Doc;
  private storedRows: number;
  private compactAt: number;
  private persistFailure: unknown = undefined;
  private broken = false;
  private readonly awarenessIds = new Map<DocPeer, Set<number>>();

  /** Loads `name` synchronously from the store. Throws if the store or a stored update fails. */
  static load(name: string, deps: HubDocDeps): HubDoc {
    const rows = deps.store.load(name);
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const row of rows) Y.applyUpdate(doc, row, LOAD_ORIGIN);
    }, LOAD_ORIGIN);
    return new HubDoc(name, doc, rows.length, deps);
  }

  private constructor(
    readonly name: string,
    readonly doc: Y.Doc,
    storedRows: number,
    private readonly deps: HubDocDeps,
  ) {
    this.storedRows = storedRows;
    this.compactAt = deps.compactAfter;
    this.shadow = this.cloneDoc();
    this.doc.on('update', this.onUpdate);
    this.awareness = new awarenessProtocol.Awareness(doc);
    // The server is not a participant: it relays other clients' presence only.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  /** Attaches a peer and sends it the opening frames (sync step 1 to writers, presence). */
  addPeer(peer: DocPeer): void {
    this.peers.add(peer);
    this.awarenessIds.set(peer, new Set());
    // Step 1 asks the client for what the server lacks; a reader's answer would be ignored.
    if (peer.canWrite) peer.send(encodeSyncStep1(this.doc));
    const present = [...this.awareness.getStates().keys()];
    if (present.length > 0) {
      peer.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present)));
    }
  }

  /** Detaches a peer and withdraws the presence it announced. */
  removePeer(peer: DocPeer): void {
    this.peers.delete(peer);
    const ids = this.awarenessIds.get(peer);
    this.awarenessIds.delete(peer);
    if (ids !== undefined && ids.size > 0 && !this.broken) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], null);
    }
  }

  /** Sync step 2 for a client's state vector. Throws on a malformed vector. */
  syncStep2For(stateVector: Uint8Array): Uint8Array {
    return encodeSyncStep2(this.doc, stateVector);
  }

  /**
   * Applies a writer's update: first to the shadow doc, because `Y.applyUpdate` may apply part
   * of a bad update before throwing and Yjs cannot roll back. Only an update the shadow took
   * whole reaches the shared doc, whose 'update' handler persists it and then broadcasts it.
   * 'invalid': the shared doc is untouched. 'broken': persisting failed and the doc was dropped.
   */
  applyClientUpdate(peer: DocPeer, update: Uint8Array): ClientUpdateResult {
    if (isEmptyUpdate(update)) return 'applied';
    try {
      Y.applyUpdate(this.shadow, update, peer);
    } catch {
      this.rebuildShadow();
      return 'invalid';
    }
    try {
      Y.applyUpdate(this.doc, update, peer);
    } catch (err) {
      // Cannot happen while the shadow mirrors the doc; if it does, the doc is suspect.
      this.deps.log.error(
        { err, doc: this.name },
        'update passed the shadow but failed on the doc',
      );
      this.markBroken(err);
    }
    return this.failIfBroken() ? 'broken' : 'applied';
  }

  /**
   * Runs `fn` in a transaction tagged 'server'; its changes are persisted, then broadcast.
   * Throws if persisting failed (the doc is then dropped and its clients closed with 1011),
   * or rethrows what `fn` threw (changes it made before throwing are still kept: Yjs has no rollback).
   */
  serverTransact(fn: (doc: Y.Doc) => void): void {
    let failed = false;
    try {
      this.doc.transact(() => {
        fn(this.doc);
      }, SERVER_ORIGIN);
    } finally {
      failed = this.failIfBroken();
    }
    if (failed) {
      const failure = this.persistFailure;
      throw new Error(`yjs: could not persist a server write to ${this.name}`, { cause: failure });
    }
  }

  /** Whether `update` is a well-formed awareness update; if so it is applied and relayed. */
  applyClientAwareness(peer: DocPeer, update: Uint8Array): boolean {
    if (!isWellFormedAwarenessUpdate(update)) return false;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer);
    return true;
  }

  /** Every known presence state, for a query-awareness request; `null` when there is none. */
  awarenessSnapshot(): Uint8Array | null {
    const present = [...this.awareness.getStates().keys()];
    if (present.length === 0) return null;
    return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present));
  }

  /** Frees the docs and awareness timer. The store holds everything already; nothing to flush. */
  destroy(): void {
    this.doc.off('update', this.onUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
    this.shadow.destroy();
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === LOAD_ORIGIN || this.broken) return;
    let seq: number;
    try {
      seq = this.deps.store.append(this.name, update);
    } catch (err) {
      // Not stored means not broadcast: no client may see what a crash could lose.
      this.markBroken(err);
      return;
    }
    this.storedRows += 1;
    const fromPeer = this.isPeer(origin);
    this.deps.metrics.updateAccepted(fromPeer ? 'client' : 'server');
    if (!fromPeer) this.mirrorToShadow(update);
    const frame = encodeSyncUpdate(update);
    for (const peer of this.peers) {
      if (peer !== origin) peer.send(frame);
    }
    if (this.storedRows > this.compactAt) this.compact(seq);
  };

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (this.isPeer(origin)) {
      const ids = this.awarenessIds.get(origin);
      for (const id of change.added) ids?.add(id);
      for (const id of change.removed) ids?.delete(id);
    }
    const changed = [...change.added, ...change.updated, ...change.removed];
    const frame = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const peer of this.peers) peer.send(frame);
  };

  private isPeer(origin: unknown): origin is DocPeer {
    return typeof origin === 'object' && origin !== null && this.peers.has(origin as DocPeer);
  }

  private compact(uptoSeq: number): void {
    // The 'update' event fires after the transaction is integrated, so the doc's state is
    // exactly rows 1..uptoSeq (plus pending structs, which encodeStateAsUpdate includes).
    try {
      this.deps.store.compact(this.name, Y.encodeStateAsUpdate(this.doc), uptoSeq);
      this.storedRows = 1;
      this.compactAt = this.deps.compactAfter;
      this.deps.metrics.compacted();
    } catch (err) {
      // Compaction is an optimisation; the log is intact. Retry later, not on every append.
      this.compactAt = this.storedRows + this.deps.compactAfter;
      this.deps.log.warn({ err, doc: this.name }, 'yjs compaction failed');
    }
  }

  private mirrorToShadow(update: Uint8Array): void {
    try {
      Y.applyUpdate(this.shadow, update);
    } catch {
      this.rebuildShadow();
    }
  }

  private cloneDoc(): Y.Doc {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
    return copy;
  }

  // A shadow that threw may hold part of the bad update; start again from the shared doc.
  private rebuildShadow(): void {
    this.shadow.destroy();
    this.shadow = this.cloneDoc();
  }

  private markBroken(err: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.persistFailure = err;
  }

  private failIfBroken(): boolean {
    if (!this.broken) return false;
    this.deps.metrics.persistFailed();
    this.deps.log.error({ err: this.persistFailure, doc: this.name }, 'yjs doc dropped');
    this.deps.onBroken(this);
    return true;
  }
}
