import type { Logger } from 'pino';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { isWellFormedAwarenessUpdate } from './awareness-update';
import type { BackgroundOutcome, CompactionScheduler } from './compaction-scheduler';
import type { DocStore } from './doc-store.port';
import type { CommitTarget, GroupCommit, QueuedUpdate } from './group-commit';
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
  /** The hub's commit queue: accepted updates are stored through it, then broadcast. */
  readonly commits: GroupCommit;
  readonly log: Logger;
  readonly metrics: YjsMetrics;
  /** Compact once the document has more stored rows than this. */
  readonly compactAfter: number;
  /**
   * Compact inline (encode the loaded doc on the event loop) while the stored log is at most
   * this many bytes; larger documents go to `compactions`. Encoding costs about 6 ns per byte
   * here (256 KiB: ~1.5 ms), a background job replays every row again (~30 ms for 600 rows).
   */
  readonly inlineCompactMaxBytes: number;
  /** Background compaction, if the store has it; without (or once it is gone): inline. */
  readonly compactions?: CompactionScheduler;
  /** Called once when the in-memory doc can no longer be trusted (persistence failed). */
  onBroken(doc: HubDoc): void;
}

export type ClientUpdateResult = 'applied' | 'invalid' | 'broken';

// What an empty sync step 2 looks like (no structs, no deletions): nothing to validate or store.
const isEmptyUpdate = (update: Uint8Array): boolean =>
  update.length === 2 && update[0] === 0 && update[1] === 0;

// Client transactions carry the connection as origin; the server's carry a string.
const isClientOrigin = (origin: unknown): boolean => typeof origin === 'object' && origin !== null;

const NOTHING_PENDING: readonly (Uint8Array | null)[] = [];

const totalBytes = (rows: readonly Uint8Array[]): number =>
  rows.reduce((sum, row) => sum + row.length, 0);

function replay(rows: readonly Uint8Array[], pending: readonly (Uint8Array | null)[] = []): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const row of rows) Y.applyUpdate(doc, row, LOAD_ORIGIN);
    // Yjs keeps these (v2-encoded) apart from the document until their dependencies arrive.
    for (const update of pending) if (update !== null) Y.applyUpdateV2(doc, update, LOAD_ORIGIN);
  }, LOAD_ORIGIN);
  return doc;
}

/**
 * One loaded document: the shared `Y.Doc`, the server-side awareness, and the connections
 * attached to it. Accepted changes go through the hub's group commit: stored, then broadcast.
 */
export class HubDoc implements CommitTarget {
  readonly peers = new Set<DocPeer>();
  readonly awareness: awarenessProtocol.Awareness;
  private doc: Y.Doc;
  private storedRows: number;
  // Bytes of the stored rows, an upper bound on what encoding the doc would produce (deleted
  // content and merged runs shrink it). Decides inline or background compaction.
  private storedBytes: number;
  // Bytes appended since the background job in flight started: what its merged row leaves out.
  private bytesSinceJob = 0;
  private compactAt: number;
  private persistFailure: unknown = undefined;
  private broken = false;
  private destroyed = false;
  // Set while the doc may hold part of a rejected update: no compaction may be taken from it.
  private suspect = false;
  private readonly awarenessIds = new Map<DocPeer, Set<number>>();

  /** Loads `name` synchronously from the store. Throws if the store or a stored update fails. */
  static load(name: string, deps: HubDocDeps): HubDoc {
    const rows = deps.store.load(name);
    return new HubDoc(name, replay(rows), rows, deps);
  }

  private constructor(
    readonly name: string,
    doc: Y.Doc,
    rows: readonly Uint8Array[],
    private readonly deps: HubDocDeps,
  ) {
    this.doc = doc;
    this.storedRows = rows.length;
    this.storedBytes = totalBytes(rows);
    this.compactAt = deps.compactAfter;
    this.doc.on('update', this.onUpdate);
    // On a Y.Doc of its own, because the content doc is replaced after a rejected update.
    this.awareness = new awarenessProtocol.Awareness(new Y.Doc());
    // The server is not a participant: it relays other clients' presence only.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  /** Attaches a peer and sends it the opening frames (sync step 1 to writers, presence). */
  addPeer(peer: DocPeer): void {
    this.peers.add(peer);
    this.awarenessIds.set(peer, new Set());
    // Step 1 asks the client for what the server lacks; a reader's answer would be ignored.
    // A state vector shows clocks, not content, so queued updates need not be stored first.
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

  /**
   * Sync step 2 for a client's state vector; `null` if the doc was dropped meanwhile (storing
   * its queued updates failed). Throws on a malformed vector.
   */
  syncStep2For(stateVector: Uint8Array): Uint8Array | null {
    // Step 2 carries content: what this turn accepted must be stored before anyone sees it.
    if (this.deps.commits.queued(this) > 0) this.deps.commits.flush();
    if (this.broken) return null;
    return encodeSyncStep2(this.doc, stateVector);
  }

  /**
   * Applies a writer's update to the shared doc. Its 'update' event queues it for the group
   * commit, which stores it and only then broadcasts it. `Y.applyUpdate` may apply part of a bad
   * update and then throw (Yjs cannot roll back, and still fires 'update' for the part): that
   * part is dropped from the queue unstored and unsent, and the doc is rebuilt from the store.
   * 'invalid': rejected, the shared state is as before. 'broken': persisting failed, doc dropped.
   */
  applyClientUpdate(peer: DocPeer, update: Uint8Array): ClientUpdateResult {
    if (isEmptyUpdate(update)) return 'applied';
    const mark = this.deps.commits.queued(this);
    // Updates still waiting for missing dependencies live outside the store (see `replay`).
    const { pendingStructs, pendingDs } = this.doc.store;
    const pending =
      pendingStructs === null && pendingDs === null
        ? NOTHING_PENDING
        : [pendingStructs?.update ?? null, pendingDs];
    try {
      Y.applyUpdate(this.doc, update, peer);
      return 'applied';
    } catch {
      this.deps.commits.discardAfter(this, mark);
      this.rebuild(pending);
      return this.broken ? 'broken' : 'invalid';
    }
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
      // Synchronous, so that on return the change is stored and sent, as the hub promises.
      this.deps.commits.flush();
      failed = this.broken;
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

  /** Stores what is still queued (unless the doc is broken), then frees the docs and awareness. */
  destroy(): void {
    this.destroyed = true;
    if (this.broken) this.deps.commits.discardAfter(this, 0);
    else if (this.deps.commits.queued(this) > 0) this.deps.commits.flush();
    this.doc.off('update', this.onUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.awareness.doc.destroy();
    this.doc.destroy();
  }

  /** Group commit: these updates are stored. Broadcast each to everyone but its author. */
  committed(updates: readonly QueuedUpdate[], seqs: readonly number[]): void {
    this.storedRows += updates.length;
    for (const { update, origin } of updates) {
      this.storedBytes += update.length;
      this.bytesSinceJob += update.length;
      this.deps.metrics.updateAccepted(isClientOrigin(origin) ? 'client' : 'server');
      // Encoded once; every receiver gets the same bytes.
      const frame = encodeSyncUpdate(update);
      for (const peer of this.peers) {
        if (peer !== origin) peer.send(frame);
      }
    }
    const last = seqs[seqs.length - 1];
    if (last !== undefined && this.storedRows > this.compactAt) this.compact(last);
  }

  /** Group commit: storing this doc's updates failed. Not stored means not broadcast. */
  persistFailed(err: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.persistFailure = err;
    this.deps.metrics.persistFailed();
    this.deps.log.error({ err, doc: this.name }, 'yjs doc dropped');
    this.deps.onBroken(this);
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === LOAD_ORIGIN || this.broken) return;
    this.deps.commits.enqueue(this, update, origin);
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
    const { compactions } = this.deps;
    if (compactions?.busy(this.name) === true) return; // the next job takes these rows too
    // Small documents: encoding the loaded doc costs less than a tenth of a replay on the
    // worker, and a pause of a millisecond or two. On 2 cores the worker's CPU is taken from
    // the event loop and the clients anyway, so it pays only where the pause would be long.
    if (this.storedBytes <= this.deps.inlineCompactMaxBytes && !this.suspect) {
      this.compactInline(uptoSeq);
      return;
    }
    // A background job merges stored rows only, so it may start even while the doc is suspect.
    this.bytesSinceJob = 0;
    if (compactions?.start(this.name, uptoSeq, this.backgroundDone) === true) return;
    if (!this.suspect) this.compactInline(uptoSeq);
  }

  private readonly backgroundDone = (outcome: BackgroundOutcome, mergedBytes = 0): void => {
    if (this.destroyed || outcome === 'unavailable') return; // next commit compacts inline
    if (outcome === 'failed') {
      // Retry later, not on every append.
      this.compactAt = this.storedRows + this.deps.compactAfter;
      return;
    }
    // Rows were appended meanwhile, and a rebuild may have reloaded the doc: count them.
    if (outcome === 'compacted') this.storedBytes = mergedBytes + this.bytesSinceJob;
    try {
      this.storedRows = this.deps.store.count(this.name);
      this.compactAt = this.deps.compactAfter;
    } catch (err) {
      this.deps.log.warn({ err, doc: this.name }, 'yjs: could not count rows after compaction');
    }
  };

  private compactInline(uptoSeq: number): void {
    // Called once a batch is stored, with nothing of this doc left in the queue: the doc's
    // state is exactly rows 1..uptoSeq (plus pending structs, which encodeStateAsUpdate includes).
    const started = performance.now();
    try {
      const merged = Y.encodeStateAsUpdate(this.doc);
      this.deps.store.compact(this.name, merged, uptoSeq);
      this.storedRows = 1;
      this.storedBytes = merged.length;
      this.compactAt = this.deps.compactAfter;
      this.deps.metrics.compacted('inline', performance.now() - started);
    } catch (err) {
      // Compaction is an optimisation; the log is intact. Retry later, not on every append.
      this.compactAt = this.storedRows + this.deps.compactAfter;
      this.deps.log.warn({ err, doc: this.name }, 'yjs compaction failed');
    }
  }

  /**
   * After a rejected update: the doc may hold part of it, but none of that is left in the queue,
   * stored or sent. Store what this turn accepted before it, then load the doc again from the
   * store, which then holds every accepted update, and put back the pending updates it held before.
   * The fresh doc gets a new client id for server writes; nothing was ever written under it.
   */
  private rebuild(pending: readonly (Uint8Array | null)[]): void {
    this.suspect = true;
    try {
      this.deps.commits.flush();
    } finally {
      this.suspect = false;
    }
    if (this.broken) return;
    let fresh: Y.Doc;
    let stored: Uint8Array[];
    try {
      stored = this.deps.store.load(this.name);
      fresh = replay(stored, pending);
    } catch (err) {
      this.persistFailed(err);
      return;
    }
    this.doc.off('update', this.onUpdate);
    this.doc.destroy();
    this.doc = fresh;
    this.storedRows = stored.length;
    this.storedBytes = totalBytes(stored);
    this.doc.on('update', this.onUpdate);
  }
}
