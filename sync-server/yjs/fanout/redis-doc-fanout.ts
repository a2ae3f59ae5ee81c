import { randomBytes } from 'node:crypto';
import { asError, endRedisConnection, openRedisPubSub, type RedisConnection } from '../../storage';
import type { DocFanout, DocFanoutSubscription, RemoteUpdateHandlers } from './doc-fanout.port';

/*
 * DocFanout over Redis pub/sub, for the scale-out mode: every update an instance stored reaches
 * the hubs of the other instances that have the document loaded.
 *
 * - One channel per document, `${prefix}yjs:<document name>`; only instances that have the
 *   document loaded subscribe to it, and instances (and test runs) talk to each other only when
 *   they share the prefix.
 * - Binary messages: `[kind: 1 byte][instance id: 16 bytes][payload]`, kind 1 = an update (the
 *   payload is the Yjs update as stored), kind 2 = "catch up from the store" (no payload).
 *   Subscribed in buffer mode, so payloads are never decoded as text. A message from this
 *   instance is skipped; one that is too short or of an unknown kind is dropped and reported.
 * - Two connections: a subscribed connection cannot PUBLISH. The publisher has no offline
 *   queue (a publish while Redis is down rejects at once; memory does not grow with an outage);
 *   the subscriber keeps its queue, so a SUBSCRIBE issued while Redis is down is sent on
 *   reconnect. node-redis reconnects and re-subscribes by itself.
 * - What an outage loses, and how it is made good (the port's `missed`):
 *   - The subscriber was disconnected: messages published meanwhile never reach it. Once it is
 *     ready again (re-subscribed), every subscription gets `missed`, and the hub reads the store.
 *     Everything published before was stored before, so that read holds it.
 *   - A publish failed (the publisher was disconnected, the others may be fine): the document
 *     is remembered, and once the publisher is ready again a kind-2 message tells the other
 *     instances to catch up on it from the store.
 *   - A SUBSCRIBE was not confirmed within `subscribeTimeoutMs` (or failed and is retried):
 *     `ready` resolves anyway, so a load never hangs on Redis, and `missed` follows once it is.
 * - Errors (connection, publish, malformed messages, handler exceptions) go to `onError`;
 *   nothing is thrown to callers.
 */

export interface RedisDocFanoutOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly url: string;
  /** Key prefix of the channels (default "fleetdesk:"). */
  readonly prefix?: string;
  /** Connection and publish errors, dropped messages; never thrown to callers. */
  readonly onError?: (error: Error) => void;
  /** Socket connect timeout per attempt (default 5000 ms); `open` makes one attempt. */
  readonly connectTimeoutMs?: number;
  /** How long `subscribe(...).ready` waits for Redis to confirm (default 2000 ms). */
  readonly subscribeTimeoutMs?: number;
}

const KIND_UPDATE = 1;
const KIND_MISSED = 2;
const KIND_AWARENESS = 3;
const ID_BYTES = 16;
const HEADER_BYTES = 1 + ID_BYTES;

/** A message as it goes over the channel. */
function encodeFanoutMessage(kind: 1 | 2 | 3, instance: Buffer, payload?: Uint8Array): Buffer {
  const message = Buffer.allocUnsafe(HEADER_BYTES + (payload?.length ?? 0));
  message[0] = kind;
  instance.copy(message, 1);
  if (payload !== undefined) message.set(payload, HEADER_BYTES);
  return message;
}

interface FanoutMessage {
  readonly kind: typeof KIND_UPDATE | typeof KIND_MISSED | typeof KIND_AWARENESS;
  readonly instance: Buffer;
  readonly payload: Uint8Array;
}

/** The parts of a well-formed message, else null. */
function decodeFanoutMessage(message: Buffer): FanoutMessage | null {
  if (message.length < HEADER_BYTES) return null;
  const kind = message[0];
  if (kind !== KIND_UPDATE && kind !== KIND_MISSED && kind !== KIND_AWARENESS) return null;
  if (kind !== KIND_MISSED && message.length === HEADER_BYTES) return null;
  return {
    kind,
    instance: message.subarray(1, HEADER_BYTES),
    payload: message.subarray(HEADER_BYTES),
  };
}

interface Subscription {
  readonly docName: string;
  readonly channel: string;
  readonly handlers: RemoteUpdateHandlers;
  readonly listener: (message: Buffer) => void;
  resolveReady(): void;
  timer: NodeJS.Timeout | undefined;
  // Redis confirmed the SUBSCRIBE (the listener is registered).
  confirmed: boolean;
  // `ready` resolved before confirmation, or the connection dropped: `missed` on confirmation.
  late: boolean;
  closed: boolean;
}

export class RedisDocFanout implements DocFanout {
  /** Connects both connections; rejects if Redis cannot be reached. */
  static async open(options: RedisDocFanoutOptions): Promise<RedisDocFanout> {
    const onError =
      options.onError ?? ((e: Error) => console.error('Redis doc fan-out:', e.message));
    const id = randomBytes(ID_BYTES);
    const { publisher, subscriber } = await openRedisPubSub({
      url: options.url,
      connectTimeoutMs: options.connectTimeoutMs,
      purpose: 'Redis doc fan-out',
      namePrefix: 'fleetdesk-yjs-fanout',
      instanceId: id.toString('hex'),
      onError,
    });
    return new RedisDocFanout(publisher, subscriber, id, options, onError);
  }

  readonly crossInstance = true;
  /** Tags this instance's messages (and connection names) so it can skip its own. */
  readonly instanceId: string;
  readonly prefix: string;
  readonly #id: Buffer;
  readonly #publisher: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #onError: (error: Error) => void;
  readonly #subscribeTimeoutMs: number;
  readonly #subscriptions = new Set<Subscription>();
  // SUBSCRIBEs that failed (the connection dropped under them): sent again once it is ready.
  readonly #retry = new Set<Subscription>();
  // Documents whose publish failed: the others are told to catch up once publishing works.
  readonly #unpublished = new Set<string>();
  #closing: Promise<void> | null = null;

  private constructor(
    publisher: RedisConnection,
    subscriber: RedisConnection,
    id: Buffer,
    options: RedisDocFanoutOptions,
    onError: (error: Error) => void,
  ) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#id = id;
    this.instanceId = id.toString('hex');
    this.prefix = options.prefix ?? 'fleetdesk:';
    this.#onError = onError;
    this.#subscribeTimeoutMs = options.subscribeTimeoutMs ?? 2000;
    // 'ready' again after a drop: re-subscribed (node-redis does that before 'ready').
    subscriber.on('ready', () => {
      this.#resubscribed();
    });
    publisher.on('ready', () => {
      this.#republish();
    });
  }

  /** The channel of `docName`. */
  channel(docName: string): string {
    return `${this.prefix}yjs:${docName}`;
  }

  /** Never throws; rejects if Redis did not take the message (the document is then remembered). */
  publish(docName: string, update: Uint8Array): Promise<void> {
    return this.#send(docName, encodeFanoutMessage(KIND_UPDATE, this.#id, update));
  }

  /**
   * Presence goes out on the document's channel as kind 3. Not remembered when it fails (no
   * catch-up message): presence is renewed by the clients anyway.
   */
  publishAwareness(docName: string, update: Uint8Array): void {
    if (this.#closing !== null || !this.#publisher.isReady) return;
    try {
      this.#publisher
        .publish(this.channel(docName), encodeFanoutMessage(KIND_AWARENESS, this.#id, update))
        .catch((e: unknown) => {
          this.#onError(asError(e));
        });
    } catch (e) {
      this.#onError(asError(e));
    }
  }

  subscribe(docName: string, handlers: RemoteUpdateHandlers): DocFanoutSubscription {
    let resolveReady = (): void => undefined;
    const ready = new Promise<void>((resolve) => {
      resolveReady = resolve;
    });
    const subscription: Subscription = {
      docName,
      channel: this.channel(docName),
      handlers,
      listener: (message) => {
        this.#receive(subscription, message);
      },
      resolveReady,
      timer: undefined,
      confirmed: false,
      late: false,
      closed: false,
    };
    if (this.#closing !== null) {
      // Nothing will ever be delivered; the hub is shutting down with its owner.
      resolveReady();
      return { ready, unsubscribe: () => undefined };
    }
    this.#subscriptions.add(subscription);
    subscription.timer = setTimeout(() => {
      subscription.late = true;
      subscription.resolveReady();
    }, this.#subscribeTimeoutMs);
    subscription.timer.unref();
    this.#subscribeNow(subscription);
    return {
      ready,
      unsubscribe: () => {
        this.#unsubscribe(subscription);
      },
    };
  }

  /** Drops every subscription and closes both connections; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const subscription of this.#subscriptions) {
        subscription.closed = true;
        clearTimeout(subscription.timer);
        subscription.resolveReady();
      }
      this.#subscriptions.clear();
      this.#retry.clear();
      await Promise.all([
        endRedisConnection(this.#subscriber),
        endRedisConnection(this.#publisher),
      ]);
    })();
    return this.#closing;
  }

  #send(docName: string, message: Buffer): Promise<void> {
    if (this.#closing !== null) return Promise.reject(new Error('Redis doc fan-out is closed'));
    let sent: Promise<unknown>;
    try {
      sent = this.#publisher.publish(this.channel(docName), message);
    } catch (e) {
      // A closed client may throw synchronously.
      sent = Promise.reject(asError(e));
    }
    return sent.then(
      () => undefined,
      (e: unknown) => {
        this.#unpublished.add(docName);
        throw asError(e);
      },
    );
  }

  #subscribeNow(subscription: Subscription): void {
    let subscribed: Promise<void>;
    try {
      subscribed = this.#subscriber.subscribe(subscription.channel, subscription.listener, true);
    } catch (e) {
      subscribed = Promise.reject(asError(e));
    }
    subscribed.then(
      () => {
        if (subscription.closed) {
          // Unsubscribed before Redis confirmed: the listener was registered only now.
          this.#unlisten(subscription);
          return;
        }
        subscription.confirmed = true;
        clearTimeout(subscription.timer);
        subscription.resolveReady();
        if (subscription.late) this.#call(subscription, 'missed');
      },
      (e: unknown) => {
        if (subscription.closed) return;
        this.#onError(asError(e));
        // A load must not wait for Redis; `missed` follows once a retry is confirmed.
        subscription.late = true;
        subscription.resolveReady();
        this.#retry.add(subscription);
        if (this.#subscriber.isReady) {
          setTimeout(() => {
            this.#retrySubscribes();
          }, 500).unref();
        }
      },
    );
  }

  #retrySubscribes(): void {
    if (this.#closing !== null) return;
    const retry = [...this.#retry];
    this.#retry.clear();
    for (const subscription of retry) if (!subscription.closed) this.#subscribeNow(subscription);
  }

  #resubscribed(): void {
    if (this.#closing !== null) return;
    for (const subscription of this.#subscriptions) {
      if (this.#retry.has(subscription)) continue;
      // Messages published while it was disconnected are gone: catch up from the store.
      if (subscription.confirmed) this.#call(subscription, 'missed');
      else subscription.late = true;
    }
    this.#retrySubscribes();
  }

  #republish(): void {
    if (this.#closing !== null) return;
    const docs = [...this.#unpublished];
    this.#unpublished.clear();
    for (const docName of docs) {
      this.#send(docName, encodeFanoutMessage(KIND_MISSED, this.#id)).catch((e: unknown) => {
        this.#onError(asError(e));
      });
    }
  }

  #unsubscribe(subscription: Subscription): void {
    if (subscription.closed) return;
    subscription.closed = true;
    clearTimeout(subscription.timer);
    subscription.resolveReady();
    this.#subscriptions.delete(subscription);
    this.#retry.delete(subscription);
    if (subscription.confirmed) this.#unlisten(subscription);
  }

  #unlisten(subscription: Subscription): void {
    if (this.#closing !== null) return;
    try {
      this.#subscriber
        .unsubscribe(subscription.channel, subscription.listener, true)
        .catch((e: unknown) => {
          this.#onError(asError(e));
        });
    } catch (e) {
      this.#onError(asError(e));
    }
  }

  #receive(subscription: Subscription, message: Buffer): void {
    if (subscription.closed || this.#closing !== null) return;
    const decoded = decodeFanoutMessage(message);
    if (decoded === null) {
      this.#onError(new Error(`Redis doc fan-out: dropped a malformed message on a doc channel`));
      return;
    }
    if (decoded.instance.equals(this.#id)) return;
    if (decoded.kind === KIND_MISSED) this.#call(subscription, 'missed');
    else if (decoded.kind === KIND_AWARENESS)
      this.#call(subscription, 'awareness', decoded.payload);
    else this.#call(subscription, 'update', decoded.payload);
  }

  #call(
    subscription: Subscription,
    handler: 'missed' | 'update' | 'awareness',
    payload?: Uint8Array,
  ): void {
    if (subscription.closed) return;
    try {
      if (handler === 'missed') subscription.handlers.missed();
      else if (payload === undefined) return;
      else if (handler === 'awareness') subscription.handlers.awareness?.(payload);
      else subscription.handlers.update(payload);
    } catch (e) {
      this.#onError(asError(e));
    }
  }
}
