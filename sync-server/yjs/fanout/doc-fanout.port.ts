/**
 * Cross-instance fan-out port for Yjs documents. Several sync-server instances behind a load
 * balancer share one `DocStore`; each holds the documents its clients opened in memory and
 * broadcasts to its own sockets only. Through this port an instance tells the others about every
 * update it has stored, so a client on instance A sees the edits of a client on instance B live.
 *
 * Contract (the hub relies on each point):
 * - `publish(docName, update)` is called only AFTER the update is durably stored (the group
 *   commit resolved), so a remote instance never shows what the shared store does not hold. It
 *   never throws and never waits for the bus: the returned promise settles when the message was
 *   handed to the bus, and rejects if it could not be (it is then lost; see `missed`). The hub
 *   logs and counts rejections; they never fail or delay the local commit or broadcast.
 * - Messages carry the publishing instance's id; an instance is never handed its own messages.
 * - `subscribe(docName, handlers)`: from the moment `ready` resolves, every update another
 *   instance publishes for `docName` reaches `handlers.update` (bytes exactly as published), or
 *   else `handlers.missed` is called later (once the bus can promise delivery again). `ready`
 *   never rejects: if the subscription cannot be confirmed now (bus down, slow), it resolves
 *   anyway and `missed` follows once it is confirmed. The hub subscribes BEFORE it reads the
 *   store, so every update is in the rows it reads, in a message, or covered by `missed`.
 * - `missed()`: messages for the document may have been lost (the bus was unreachable, a
 *   publisher could not publish). The hub then reads the store again and applies what it lacks;
 *   Yjs updates are idempotent and commute, so re-applying known rows is harmless.
 * - Delivery is at most once per message and in no particular order across instances; payloads
 *   are opaque bytes (may be garbage: the hub validates them as it validates client updates).
 * - Handlers must not throw (the hub's do not); they are called from a later turn, never from
 *   inside `publish` or `subscribe`.
 * - `unsubscribe()` is idempotent; no handler is called after it returned.
 * - The hub never closes the fan-out; its owner does (after closing the hub).
 */
export interface DocFanout {
  /**
   * `false` for the single-instance default (`singleInstanceFanout`): nobody else writes the
   * store, so the hub does not subscribe, publish, or read the store before compacting.
   */
  readonly crossInstance: boolean;
  publish(docName: string, update: Uint8Array): Promise<void>;
  /**
   * Presence (an awareness update) of this instance's clients, for the other instances' clients
   * of `docName`. Ephemeral: best effort, never stored, never caught up (clients re-announce
   * every 15 s, and states not renewed for 30 s expire). Optional: a fan-out without it keeps
   * presence per instance. Never throws.
   */
  publishAwareness?(docName: string, update: Uint8Array): void;
  subscribe(docName: string, handlers: RemoteUpdateHandlers): DocFanoutSubscription;
}

export interface RemoteUpdateHandlers {
  /** An update another instance stored and published for this document. */
  update(update: Uint8Array): void;
  /** Updates may have been lost: read the store again. */
  missed(): void;
  /** Presence from another instance's clients (see `DocFanout.publishAwareness`). */
  awareness?(update: Uint8Array): void;
}

export interface DocFanoutSubscription {
  /** Resolves once the subscription is live or `missed` is promised (see the port). */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

const settledVoid = Promise.resolve();

/**
 * The default: one instance, nothing to fan out. The hub checks `crossInstance` once per loaded
 * document and then never calls it, so the hot path (commit, broadcast) costs nothing.
 */
export const singleInstanceFanout: DocFanout = {
  crossInstance: false,
  publish: () => settledVoid,
  subscribe: () => ({ ready: settledVoid, unsubscribe: () => undefined }),
};
