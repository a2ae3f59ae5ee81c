import type { DocFanout, DocFanoutSubscription, RemoteUpdateHandlers } from './doc-fanout.port';

interface Subscriber {
  readonly instance: number;
  readonly handlers: RemoteUpdateHandlers;
}

/**
 * An in-process bus connecting several hubs of one process (tests: two "instances" sharing one
 * store), following the `DocFanout` contract as the Redis one does: messages are copied and
 * delivered from a later turn (setImmediate), never to the publishing instance. `outage()` and
 * `restore()` stand in for the bus going away and coming back; `inject` publishes raw bytes as a
 * foreign instance (garbage included).
 */
export class MemoryDocFanoutBus {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private nextInstance = 1;
  private down = false;

  /** `deliveryDelayMs`: how long a message takes (default 0: the next turn, setImmediate). */
  constructor(private readonly deliveryDelayMs = 0) {}

  /** The fan-out endpoint of one more instance. */
  join(): DocFanout {
    const instance = this.nextInstance++;
    return {
      crossInstance: true,
      publish: (docName, update) => this.publish(instance, docName, update),
      subscribe: (docName, handlers) => this.subscribe(instance, docName, handlers),
    };
  }

  /** From now until `restore`, publishes reject and nothing is delivered. */
  outage(): void {
    this.down = true;
  }

  /** Ends an outage: every subscriber is told it may have missed messages. */
  restore(): void {
    this.down = false;
    for (const [docName, subscribers] of this.channels) {
      for (const subscriber of subscribers) {
        setImmediate(() => {
          if (this.subscribed(docName, subscriber)) subscriber.handlers.missed();
        });
      }
    }
  }

  /** Delivers `bytes` to every subscriber of `docName`, as an instance no hub belongs to. */
  inject(docName: string, bytes: Uint8Array): void {
    this.deliver(0, docName, bytes);
  }

  /** How many subscriptions `docName` has (all instances). */
  subscribers(docName: string): number {
    return this.channels.get(docName)?.size ?? 0;
  }

  private publish(instance: number, docName: string, update: Uint8Array): Promise<void> {
    if (this.down) return Promise.reject(new Error('fan-out bus unreachable'));
    this.deliver(instance, docName, update);
    return Promise.resolve();
  }

  private deliver(from: number, docName: string, bytes: Uint8Array): void {
    if (this.down) return;
    for (const subscriber of this.channels.get(docName) ?? []) {
      if (subscriber.instance === from) continue;
      const copy = bytes.slice();
      this.later(() => {
        // Unsubscribed meanwhile: nothing is called after `unsubscribe` returned.
        if (this.subscribed(docName, subscriber)) subscriber.handlers.update(copy);
      });
    }
  }

  private subscribe(
    instance: number,
    docName: string,
    handlers: RemoteUpdateHandlers,
  ): DocFanoutSubscription {
    const subscriber: Subscriber = { instance, handlers };
    let subscribers = this.channels.get(docName);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.channels.set(docName, subscribers);
    }
    subscribers.add(subscriber);
    return {
      ready: Promise.resolve(),
      unsubscribe: () => {
        const current = this.channels.get(docName);
        current?.delete(subscriber);
        if (current?.size === 0) this.channels.delete(docName);
      },
    };
  }

  private later(fn: () => void): void {
    if (this.deliveryDelayMs > 0) setTimeout(fn, this.deliveryDelayMs);
    else setImmediate(fn);
  }

  private subscribed(docName: string, subscriber: Subscriber): boolean {
    return this.channels.get(docName)?.has(subscriber) === true;
  }
}
