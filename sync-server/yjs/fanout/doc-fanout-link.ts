import type { Logger } from 'pino';
import type { DocFanout, DocFanoutSubscription } from './doc-fanout.port';
import type { DocStore } from '../store/doc-store.port';
import type { QueuedUpdate } from '../hub/group-commit';
import type { YjsMetrics } from '../hub/yjs-metrics';

/** Where a loaded document takes what other instances send. Must not throw. */
export interface RemoteTarget {
  /** Other instances' stored updates (or rows read from the store): apply, send, never store. */
  receiveRemote(updates: readonly Uint8Array[]): void;
  /** Presence from other instances' clients: relay to this instance's clients. */
  receiveRemoteAwareness(update: Uint8Array): void;
}

interface LinkDeps {
  readonly store: DocStore;
  readonly log: Logger;
  readonly metrics: YjsMetrics;
}

// Publish failures come in floods while the bus is down (one per stored update): log the first
// one and then every this many; the metric counts each.
const LOG_EVERY_NTH_FAILURE = 1000;

/**
 * One loaded document's subscription to the other instances (cross-instance mode only). Opened
 * BEFORE the store is read, so an update another instance stores after the read arrives as a
 * message; messages arriving while the doc loads are held and handed over once it is replayed
 * (Yjs updates are idempotent and commute, so overlap with the rows read is harmless).
 */
export class DocFanoutLink {
  private target: RemoteTarget | null = null;
  private early: Uint8Array[] = [];
  private missedEarly = false;
  private closed = false;
  private failures = 0;
  private catchingUp: 'no' | 'yes' | 'again' = 'no';
  private readonly subscription: DocFanoutSubscription;

  private constructor(
    private readonly name: string,
    private readonly fanout: DocFanout,
    private readonly deps: LinkDeps,
  ) {
    this.subscription = fanout.subscribe(name, {
      update: (update) => {
        if (this.target !== null) this.target.receiveRemote([update]);
        else if (!this.closed) this.early.push(update);
      },
      missed: () => {
        if (this.target !== null) this.catchUp();
        else this.missedEarly = true;
      },
      // Presence arriving while the doc loads is dropped: the clients renew it within 15 s.
      awareness: (update) => {
        this.target?.receiveRemoteAwareness(update);
      },
    });
  }

  /** Subscribes to `name`; resolves once the subscription is live or `missed` is promised. */
  static async open(name: string, fanout: DocFanout, deps: LinkDeps): Promise<DocFanoutLink> {
    const link = new DocFanoutLink(name, fanout, deps);
    await link.subscription.ready;
    return link;
  }

  /** The doc is replayed: hands over what arrived meanwhile; later messages go straight to it. */
  attach(target: RemoteTarget): void {
    if (this.closed) return;
    this.target = target;
    const early = this.early;
    this.early = [];
    if (early.length > 0) target.receiveRemote(early);
    // Lost during the load: the rows already read may predate what was lost.
    if (this.missedEarly) this.catchUp();
  }

  /**
   * Tells the other instances about updates of this doc that are now stored (called from the
   * group commit's `committed`, so never before they are durable). Never throws or waits: a
   * failed publish is logged and counted, and the bus makes it good with `missed` (see the port).
   */
  publish(updates: readonly QueuedUpdate[]): void {
    for (const { update } of updates) this.fanout.publish(this.name, update).catch(this.failed);
  }

  /** Presence of this instance's clients, for the other instances (best effort). */
  publishAwareness(update: Uint8Array): void {
    if (!this.closed) this.fanout.publishAwareness?.(this.name, update);
  }

  /** Unsubscribes; nothing is handed to the doc afterwards. Idempotent. */
  close(): void {
    this.closed = true;
    this.target = null;
    this.early = [];
    this.subscription.unsubscribe();
  }

  /**
   * Fan-out messages may have been lost (a bus outage): read the store and hand the rows to the
   * doc as remote updates, so it and its clients get what other instances stored meanwhile (Yjs
   * skips what the doc has). Calls while a read runs fold into one more read after it. A failed
   * read is logged; the doc then lags until the next catch-up or reload (its own clients cannot
   * repair that: the updates came from other instances' clients).
   */
  private catchUp(): void {
    if (this.closed) return;
    if (this.catchingUp !== 'no') {
      this.catchingUp = 'again';
      return;
    }
    this.catchingUp = 'yes';
    this.deps.metrics.fanoutCatchUp();
    this.deps.store
      .load(this.name)
      .then(
        (rows) => {
          this.target?.receiveRemote(rows);
        },
        (err: unknown) => {
          this.deps.log.warn(
            { err, doc: this.name },
            'yjs fan-out: catch-up from the store failed',
          );
        },
      )
      .finally(() => {
        const again = this.catchingUp === 'again';
        this.catchingUp = 'no';
        if (again) this.catchUp();
      });
  }

  private readonly failed = (err: unknown): void => {
    this.deps.metrics.fanoutPublishFailed();
    if (this.failures % LOG_EVERY_NTH_FAILURE === 0) {
      this.deps.log.warn(
        { err, doc: this.name, failures: this.failures + 1 },
        'yjs fan-out: could not publish a stored update to the other instances',
      );
    }
    this.failures += 1;
  };
}
