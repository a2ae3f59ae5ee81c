import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { CardDataKind } from '../../../domain/shared';
import { awarenessStates } from './awareness-update';
import { cardDataInJson } from '../access/card-data.guard';
import type { DocPeer } from './doc-peer';
import { encodeAwareness } from './yjs-protocol';

/** What became of a client's awareness update. */
export type AwarenessResult = 'applied' | 'malformed' | CardDataKind;

/**
 * The server-side awareness (presence) of one loaded document, relayed among its peers. Presence
 * is not document state: it is never stored. With several instances, changes made by this
 * instance's peers go to `publish` (the fan-out), and the other instances' come in through
 * `applyRemote`, which relays them here without publishing them again. On a `Y.Doc` of its own,
 * because the content doc is replaced after a rejected update.
 */
/** Origin of updates from other instances: relayed here, never published again. */
const REMOTE = Symbol('remote awareness');

export class DocAwareness {
  private readonly awareness = new awarenessProtocol.Awareness(new Y.Doc());
  // The client ids each peer announced, withdrawn when it leaves (also without a goodbye).
  private readonly announced = new Map<DocPeer, Set<number>>();

  constructor(
    private readonly peers: ReadonlySet<DocPeer>,
    private readonly publish: (update: Uint8Array) => void = () => undefined,
  ) {
    // The server is not a participant: it relays other clients' presence only.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onUpdate);
  }

  /** A new peer: remembers it and sends it everyone's presence. */
  added(peer: DocPeer): void {
    this.announced.set(peer, new Set());
    const snapshot = this.snapshot();
    if (snapshot !== null) peer.send(snapshot);
  }

  /** A peer left: withdraws the presence it announced (and tells the others), unless `quiet`. */
  removed(peer: DocPeer, quiet: boolean): void {
    const ids = this.announced.get(peer);
    this.announced.delete(peer);
    if (ids !== undefined && ids.size > 0 && !quiet) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], null);
    }
  }

  /**
   * Applies and relays `update` if it is a well-formed awareness update whose states hold no
   * card data (a presence state is relayed to every peer, so it is checked like content).
   */
  apply(peer: DocPeer, update: Uint8Array): AwarenessResult {
    const states = awarenessStates(update);
    if (states === null) return 'malformed';
    const cardData = cardDataInJson(states);
    if (cardData !== null) return cardData;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer);
    return 'applied';
  }

  /** Presence from another instance; a malformed update is dropped. */
  applyRemote(update: Uint8Array): void {
    // Checked (shape and card data) by the instance its client is on; the shape again here.
    if (awarenessStates(update) === null) return;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE);
  }

  /** Every known presence state as one frame; `null` when there is none. */
  snapshot(): Uint8Array | null {
    const present = [...this.awareness.getStates().keys()];
    if (present.length === 0) return null;
    return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present));
  }

  destroy(): void {
    this.awareness.off('update', this.onUpdate);
    this.awareness.destroy();
    this.awareness.doc.destroy();
  }

  private readonly onUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const ids = this.announced.get(origin as DocPeer);
    if (ids !== undefined) {
      for (const id of change.added) ids.add(id);
      for (const id of change.removed) ids.delete(id);
    }
    const changed = [...change.added, ...change.updated, ...change.removed];
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const frame = encodeAwareness(update);
    for (const peer of this.peers) peer.send(frame);
    // Expiry of a remote state (no renewal for 30 s) happens on every instance by itself.
    if (origin !== REMOTE && origin !== 'timeout') this.publish(update);
  };
}
