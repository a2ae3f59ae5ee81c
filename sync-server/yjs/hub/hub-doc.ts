import type { Logger } from 'pino';
import * as Y from 'yjs';
import type { CardDataKind } from '../../../domain/shared';
import { applyCheckedUpdate } from '../access/card-data.guard';
import type { CompactionScheduler } from '../compaction/compaction-scheduler';
import { DocAwareness, type AwarenessResult } from './doc-awareness';
import { DocCompaction } from '../compaction/doc-compaction';
import type { DocFanout } from '../fanout/doc-fanout.port';
import { DocFanoutLink, type RemoteTarget } from '../fanout/doc-fanout-link';
import type { DocPeer } from './doc-peer';
import {
  isEmptyUpdate,
  LOAD_ORIGIN,
  pendingOf,
  REMOTE_ORIGIN,
  replay,
  SERVER_ORIGIN,
  type PendingUpdates,
} from '../store/doc-replay';
import type { DocStore } from '../store/doc-store.port';
import type { CommitTarget, GroupCommit, QueuedUpdate } from './group-commit';
import { settled } from './settled';
import { encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from './yjs-protocol';
import type { YjsMetrics } from './yjs-metrics';

export type { DocPeer } from './doc-peer';

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
  /** Other instances sharing the store (`DocFanout`); absent or single-instance: none. */
  readonly fanout?: DocFanout;
  /** Called once when the in-memory doc can no longer be trusted (persistence failed). */
  onBroken(doc: HubDoc): void;
}

/**
 * 'applied': queued for the group commit. Otherwise rejected (the doc is being rebuilt):
 * 'invalid' Yjs, or card data it would leave in the doc (`card-data.guard.ts`).
 */
export type ClientUpdateResult = 'applied' | 'invalid' | CardDataKind;

// Client transactions carry the connection as origin; the server's carry a string.
const isClientOrigin = (origin: unknown): boolean => typeof origin === 'object' && origin !== null;

/**
 * One loaded document: the shared `Y.Doc`, the server-side awareness, and the connections
 * attached to it. Accepted changes go through the hub's group commit: stored, then broadcast.
 *
 * Exclusive sections. The store is asynchronous, so two things can no longer be done in one
 * synchronous call: rebuilding the doc after a rejected update (store what was accepted, then
 * load), and answering a sync step 1 while updates are in flight (wait until they are stored).
 * Either runs as an exclusive section: while `gate` is set, no update is applied to the doc,
 * neither from a client nor from `serverTransact`. Connections check `gate` before handing a
 * content frame over and buffer their frames until it opens (per connection, in order, bounded
 * by the connection), so the doc is serialized per document rather than per connection. With a
 * store that works inside the call (SQLite) a section lasts only the microtasks of one turn.
 *
 * Other instances (cross-instance mode, `deps.fanout`): see `receiveRemote`. Updates they
 * stored are applied under the 'remote' origin: broadcast to every local peer at once (they are
 * durable), never stored again, never published back. Own updates are published once stored.
 */
export class HubDoc implements CommitTarget, RemoteTarget {
  readonly peers = new Set<DocPeer>();
  private readonly awareness = new DocAwareness(this.peers, (update) => {
    this.link?.publishAwareness(update);
  });
  private doc: Y.Doc;
  private readonly compaction: DocCompaction;
  private persistFailure: unknown = undefined;
  private broken = false;
  private destroyed = false;
  // Set while the doc may hold part of a rejected update: no compaction may be taken from it,
  // and committed updates are held back (`held`) instead of broadcast until it is rebuilt.
  private suspect = false;
  private held: QueuedUpdate[] = [];
  // Writers that attached while the doc was suspect: their sync step 1 waits for the rebuild.
  private step1AfterRebuild = new Set<DocPeer>();
  // Open while an exclusive section runs (see the class comment).
  private gateOpen: Promise<void> | null = null;
  // serverTransact calls under way: the doc must not be unloaded under them.
  private users = 0;
  // Cross-instance mode only. Remote updates that came while the doc was gated or suspect, and
  // the updates Yjs reported while applying remote ones (sent only if they all applied).
  private remoteInbox: Uint8Array[] = [];
  private remoteApplied: Uint8Array[] | null = null;

  /**
   * Loads `name` from the store. Rejects if the store or a stored update fails. In
   * cross-instance mode it subscribes to the other instances first (see `DocFanoutLink`).
   */
  static async load(name: string, deps: HubDocDeps): Promise<HubDoc> {
    if (deps.fanout?.crossInstance !== true) {
      const rows = await deps.store.load(name);
      return new HubDoc(name, replay(rows), rows, deps, null);
    }
    const link = await DocFanoutLink.open(name, deps.fanout, deps);
    try {
      const rows = await deps.store.load(name);
      const hubDoc = new HubDoc(name, replay(rows), rows, deps, link);
      link.attach(hubDoc);
      return hubDoc;
    } catch (err) {
      link.close();
      throw err;
    }
  }

  private constructor(
    readonly name: string,
    doc: Y.Doc,
    rows: readonly Uint8Array[],
    private readonly deps: HubDocDeps,
    private readonly link: DocFanoutLink | null,
  ) {
    this.doc = doc;
    this.compaction = new DocCompaction(name, rows, deps, {
      shared: link !== null,
      // The doc's state for an inline compaction, or null while it may not be taken from it.
      snapshot: () =>
        this.gone() || this.suspect || this.deps.commits.queued(this) > 0 || link !== null
          ? null
          : Y.encodeStateAsUpdate(this.doc),
      suspect: () => this.suspect,
      quiesce: (take) =>
        this.exclusive(async () => {
          while (this.deps.commits.busy(this)) await this.deps.commits.flush();
          // Shared store: rows other instances stored below our last seq may not have reached
          // this doc (still in flight, or lost in a bus outage), and the merged row replaces
          // them. Read them first (the gate keeps everything else out meanwhile). Rows above it
          // get into the merged row too: state stored twice, which Yjs ignores on replay.
          if (link !== null) {
            const stored = await this.deps.store.load(this.name);
            if (this.gone() || this.suspect || !this.applyRemote(stored)) return;
          }
          if (!this.gone() && !this.suspect) take(Y.encodeStateAsUpdate(this.doc));
        }),
    });
    this.doc.on('update', this.onUpdate);
  }

  /**
   * `null` when updates may be applied now; otherwise a promise that resolves when the running
   * exclusive section ends (another may have started by then: check again).
   */
  get gate(): Promise<void> | null {
    return this.gateOpen;
  }

  // Dropped (persisting failed) or unloaded: nothing may be applied, sent or encoded any more.
  // A method, so that a check after an `await` is not narrowed away by the one before it.
  private gone(): boolean {
    return this.broken || this.destroyed;
  }

  /** Whether the hub may unload this doc: no peers, nothing queued, in flight or under way. */
  get idle(): boolean {
    return (
      this.peers.size === 0 &&
      this.gateOpen === null &&
      this.users === 0 &&
      !this.compaction.running &&
      !this.deps.commits.busy(this)
    );
  }

  /** Attaches a peer and sends it the opening frames (sync step 1 to writers, presence). */
  addPeer(peer: DocPeer): void {
    this.peers.add(peer);
    // Step 1 asks the client for what the server lacks; a reader's answer would be ignored.
    // A state vector shows clocks, not content, so queued updates need not be stored first.
    // But not from a suspect doc: its vector counts the clocks of the rejected update, so the
    // client would leave out content the rebuild then throws away (and its later edits would
    // wait for that content for ever). Such a writer gets step 1 from the rebuilt doc.
    if (peer.canWrite && this.suspect) this.step1AfterRebuild.add(peer);
    else if (peer.canWrite) peer.send(encodeSyncStep1(this.doc));
    this.awareness.added(peer);
  }

  /** Detaches a peer and withdraws the presence it announced. */
  removePeer(peer: DocPeer): void {
    this.peers.delete(peer);
    this.step1AfterRebuild.delete(peer);
    this.awareness.removed(peer, this.broken);
  }

  /**
   * Sync step 2 for a client's state vector; resolves to `null` if the doc was dropped
   * meanwhile (storing its updates failed). Rejects on a malformed vector.
   *
   * Step 2 carries content, so it may show durable state only: it is encoded, synchronously,
   * at a moment when nothing of this doc is queued or in flight. If something is, an exclusive
   * section stops further updates and waits for the group commit to store what was accepted.
   */
  syncStep2For(stateVector: Uint8Array): Promise<Uint8Array | null> {
    if (this.gone()) return Promise.resolve(null);
    if (this.gateOpen === null && !this.deps.commits.busy(this)) {
      return settled(() => encodeSyncStep2(this.doc, stateVector));
    }
    try {
      Y.decodeStateVector(stateVector); // refuse a bad vector now, not after the wait
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error('bad state vector'));
    }
    return this.exclusive(async () => {
      while (this.deps.commits.busy(this)) await this.deps.commits.flush();
      if (this.gone()) return null;
      return encodeSyncStep2(this.doc, stateVector);
    });
  }

  /**
   * Applies a writer's update to the shared doc; call only while `gate` is null. Its 'update'
   * event queues it for the group commit, which stores it and only then broadcasts it.
   * `Y.applyUpdate` may apply part of a bad update and then throw (Yjs cannot roll back, and
   * still fires 'update' for the part): that part is dropped from the queue unstored and unsent,
   * and the doc is rebuilt from the store in an exclusive section, which starts before this
   * returns. 'invalid': rejected; if the rebuild fails, the doc is dropped (`onBroken`).
   */
  applyClientUpdate(peer: DocPeer, update: Uint8Array): ClientUpdateResult {
    if (this.gateOpen !== null) throw new Error('HubDoc.applyClientUpdate while the doc is gated');
    if (isEmptyUpdate(update)) return 'applied';
    const mark = this.deps.commits.queued(this);
    // Updates still waiting for missing dependencies live outside the store (see `replay`).
    const pending = pendingOf(this.doc);
    try {
      const cardData = applyCheckedUpdate(this.doc, update, peer);
      if (cardData === null) return 'applied';
      // Undone exactly as a half-applied update is: never stored, never sent.
      this.deps.commits.discardAfter(this, mark);
      void this.rebuild(pending);
      return cardData;
    } catch {
      this.deps.commits.discardAfter(this, mark);
      void this.rebuild(pending);
      return 'invalid';
    }
  }

  /**
   * Runs `fn` in a transaction tagged 'server' (after any exclusive section) and resolves once
   * its change is stored and broadcast. Rejects if persisting failed (the doc is then dropped
   * and its clients closed with 1011) or the doc was dropped before, or with what `fn` threw
   * (changes it made before throwing are still stored and sent: Yjs has no rollback).
   */
  async serverTransact(fn: (doc: Y.Doc) => void): Promise<void> {
    this.users += 1;
    try {
      while (this.gateOpen !== null) await this.gateOpen;
      if (!this.gone()) {
        try {
          this.doc.transact(() => {
            fn(this.doc);
          }, SERVER_ORIGIN);
        } finally {
          // The batch that takes what is queued now, this change included.
          await this.deps.commits.flush();
          // A rejected client update that arrived meanwhile holds stored updates back from
          // broadcast until its rebuild is done: "sent" means after that.
          for (let gate = this.rebuildGate(); gate !== null; gate = this.rebuildGate()) await gate;
        }
      }
      if (this.gone()) {
        const failure = this.persistFailure;
        throw new Error(`yjs: could not persist a server write to ${this.name}`, {
          cause: failure,
        });
      }
    } finally {
      this.users -= 1;
    }
  }

  /** Applies and relays a well-formed awareness update without card data (else says why not). */
  applyClientAwareness(peer: DocPeer, update: Uint8Array): AwarenessResult {
    return this.awareness.apply(peer, update);
  }

  /** Every known presence state, for a query-awareness request; `null` when there is none. */
  awarenessSnapshot(): Uint8Array | null {
    return this.awareness.snapshot();
  }

  /**
   * Frees the docs and awareness. A broken doc's queue is discarded; otherwise what is still
   * queued stays in the group commit and is stored by its next flush (the hub unloads only
   * `idle` docs and drains the commit queue on close, so it never reloads a doc before that).
   */
  destroy(): void {
    this.destroyed = true;
    if (this.broken) this.deps.commits.discardAfter(this, 0);
    this.link?.close();
    this.remoteInbox = [];
    this.doc.off('update', this.onUpdate);
    this.compaction.stop();
    this.awareness.destroy();
    this.doc.destroy();
  }

  /** Group commit: these updates are stored. Broadcast each to everyone but its author. */
  committed(updates: readonly QueuedUpdate[], seqs: readonly number[]): void {
    for (const queued of updates) {
      this.deps.metrics.updateAccepted(isClientOrigin(queued.origin) ? 'client' : 'server');
    }
    if (this.suspect) this.held.push(...updates);
    else this.broadcast(updates);
    // Stored, so other instances may show them (held back here or not).
    this.link?.publish(updates);
    if (!this.destroyed) this.compaction.stored(updates, seqs);
  }

  /**
   * Updates another instance stored and published, or rows read from the store to catch up.
   * Applied at once under the 'remote' origin if nothing is gated, else when the running
   * exclusive section ends (a rebuild's reload may already hold them: harmless). Validated as
   * client updates are: if `Y.applyUpdate` throws, nothing of it is sent, and the doc is rebuilt
   * from the store as after a rejected client update (what Yjs applied of it is thrown away).
   */
  receiveRemoteAwareness(update: Uint8Array): void {
    this.awareness.applyRemote(update);
  }

  receiveRemote(updates: readonly Uint8Array[]): void {
    if (this.gone()) return;
    if (this.gateOpen !== null || this.suspect) this.remoteInbox.push(...updates);
    else this.applyRemote(updates);
  }

  /** Group commit: storing this doc's updates failed. Not stored means not broadcast. */
  persistFailed(err: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.persistFailure = err;
    this.held = [];
    this.deps.metrics.persistFailed();
    this.deps.log.error({ err, doc: this.name }, 'yjs doc dropped');
    this.deps.onBroken(this);
  }

  private broadcast(updates: readonly QueuedUpdate[]): void {
    for (const { update, origin } of updates) this.send(update, origin);
  }

  /** To every peer but `author`. Encoded once; every receiver gets the same bytes. */
  private send(update: Uint8Array, author: unknown): void {
    const frame = encodeSyncUpdate(update);
    for (const peer of this.peers) {
      if (peer !== author) peer.send(frame);
    }
  }

  // The gate while a rebuild is pending or running (a method: a check after an `await` must
  // not be narrowed away by the one before it).
  private rebuildGate(): Promise<void> | null {
    return this.suspect ? this.gateOpen : null;
  }

  /**
   * Applies remote updates in one transaction (so one catch-up of many rows sends one frame of
   * what was new). 'remote' updates are not queued for the group commit: they are stored
   * already. `false` if one did not apply; a rebuild has then started.
   */
  private applyRemote(updates: readonly Uint8Array[]): boolean {
    if (updates.length === 0) return true;
    const pending = pendingOf(this.doc);
    const applied: Uint8Array[] = [];
    this.remoteApplied = applied;
    try {
      this.doc.transact(() => {
        for (const update of updates) Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
      }, REMOTE_ORIGIN);
    } catch (err) {
      this.deps.metrics.remoteUpdates('invalid', updates.length);
      this.deps.log.warn({ err, doc: this.name }, 'yjs fan-out: invalid remote update; reloading');
      void this.rebuild(pending);
      return false;
    } finally {
      this.remoteApplied = null;
    }
    this.deps.metrics.remoteUpdates('applied', updates.length);
    for (const update of applied) this.send(update, REMOTE_ORIGIN);
    return true;
  }

  /** Runs `section` with the gate shut; waits for a running section first. Never overlaps. */
  private async exclusive<T>(section: () => Promise<T>): Promise<T> {
    while (this.gateOpen !== null) await this.gateOpen;
    let open = (): void => undefined;
    this.gateOpen = new Promise((resolve) => {
      open = resolve;
    });
    try {
      return await section();
    } finally {
      this.gateOpen = null;
      open();
      // Remote updates that waited for the section (not while a rebuild is still to come).
      if (this.remoteInbox.length > 0 && !this.suspect && !this.gone()) {
        const inbox = this.remoteInbox;
        this.remoteInbox = [];
        this.applyRemote(inbox);
      }
    }
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === LOAD_ORIGIN || this.broken) return;
    if (origin === REMOTE_ORIGIN) this.remoteApplied?.push(update);
    else this.deps.commits.enqueue(this, update, origin);
  };

  /**
   * After a rejected update: the doc may hold part of it, but none of that is left in the queue,
   * stored or sent. In an exclusive section (no other update gets in): store what was accepted
   * before it (held back from broadcast until the doc is rebuilt, and never compacted from the
   * suspect doc), load the doc again from the store, which then holds every accepted update, and
   * put back the pending updates it held before. The fresh doc gets a new client id for server
   * writes; nothing was ever written under it. A failed load drops the doc (1011 to its clients).
   */
  private rebuild(pending: PendingUpdates): Promise<void> {
    this.suspect = true;
    return this.exclusive(async () => {
      try {
        while (this.deps.commits.busy(this)) await this.deps.commits.flush();
        if (this.gone()) return;
        const stored = await this.deps.store.load(this.name);
        if (this.gone()) return;
        const fresh = replay(stored, pending);
        this.doc.off('update', this.onUpdate);
        this.doc.destroy();
        this.doc = fresh;
        this.compaction.reloaded(stored);
        this.doc.on('update', this.onUpdate);
      } catch (err) {
        this.persistFailed(err);
      } finally {
        this.suspect = false;
        const held = this.held;
        this.held = [];
        const waiting = [...this.step1AfterRebuild];
        this.step1AfterRebuild.clear();
        if (!this.gone()) {
          this.broadcast(held);
          for (const peer of waiting)
            if (this.peers.has(peer)) peer.send(encodeSyncStep1(this.doc));
        }
      }
    });
  }
}
