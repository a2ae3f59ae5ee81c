import { randomUUID } from 'node:crypto';
import { asError, endRedisConnection, openRedisPubSub, type RedisConnection } from '../storage';
import type { ChangeNotifierPort } from './change-notifier.port';

/*
 * ChangeNotifierPort over Redis pub/sub, for the scale-out mode: a commit on one
 * sync-server instance wakes the long-polls waiting on every instance.
 *
 * - One channel, `${prefix}records:feed`; instances (and test runs) talk to each
 *   other only when they share the prefix.
 * - Two connections: a subscribed Redis connection cannot issue PUBLISH.
 * - publish() delivers to this instance's listeners synchronously (as the
 *   in-process notifier does, so a local commit wakes local long-polls even while
 *   Redis is down) and then publishes `{"seq":N,"origin":"<instance>"}`; each
 *   instance skips its own messages, so a listener is not woken twice.
 * - Best effort, as the port allows: while Redis is unreachable, publishes are
 *   dropped (the offline queue is disabled, so memory does not grow with an outage),
 *   errors go to `onError`, and long-polls fall back to their timeout and re-read.
 *   node-redis reconnects and re-subscribes by itself.
 * - Anything on the channel that is not such a message is ignored.
 */

export interface RedisChangeNotifierOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly url: string;
  /** Key prefix of the channel (default "fleetdesk:"). */
  readonly prefix?: string;
  /** Publish failures, connection errors and listener exceptions; never thrown to callers. */
  readonly onError?: (error: Error) => void;
  /** Socket connect timeout per attempt (default 5000 ms); `open` makes one attempt. */
  readonly connectTimeoutMs?: number;
}

type Client = RedisConnection;

/** The seq of a well-formed message from another instance, else null. */
function parseMessage(message: string, self: string): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { seq, origin } = parsed as { seq?: unknown; origin?: unknown };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0) return null;
  if (origin !== undefined && typeof origin !== 'string') return null;
  return origin === self ? null : seq;
}

export class RedisChangeNotifier implements ChangeNotifierPort {
  /** Connects both connections and subscribes; rejects if Redis cannot be reached. */
  static async open(options: RedisChangeNotifierOptions): Promise<RedisChangeNotifier> {
    const onError =
      options.onError ?? ((e: Error) => console.error('Redis change notifier:', e.message));
    const channel = `${options.prefix ?? 'fleetdesk:'}records:feed`;
    const instanceId = randomUUID();
    const { publisher, subscriber } = await openRedisPubSub({
      url: options.url,
      connectTimeoutMs: options.connectTimeoutMs,
      purpose: 'Redis change notifier',
      namePrefix: 'fleetdesk-notifier',
      instanceId,
      onError,
    });
    const notifier = new RedisChangeNotifier(publisher, subscriber, channel, instanceId, onError);
    try {
      await subscriber.subscribe(channel, (message) => {
        notifier.#receive(message);
      });
    } catch (error) {
      publisher.destroy();
      subscriber.destroy();
      throw error;
    }
    return notifier;
  }

  readonly channel: string;
  /** Tags this instance's messages (and connection names) so it can skip its own. */
  readonly instanceId: string;
  readonly #listeners = new Set<(seq: number) => void>();
  readonly #publisher: Client;
  readonly #subscriber: Client;
  readonly #onError: (error: Error) => void;
  #closing: Promise<void> | null = null;

  private constructor(
    publisher: Client,
    subscriber: Client,
    channel: string,
    instanceId: string,
    onError: (error: Error) => void,
  ) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.channel = channel;
    this.instanceId = instanceId;
    this.#onError = onError;
  }

  /** Fire-and-forget: never throws, never rejects. */
  publish(seq: number): void {
    if (this.#closing) return;
    this.#deliver(seq);
    try {
      this.#publisher
        .publish(this.channel, JSON.stringify({ seq, origin: this.instanceId }))
        .catch((e: unknown) => {
          this.#onError(asError(e));
        });
    } catch (e) {
      // A closed or never-opened client may throw synchronously.
      this.#onError(asError(e));
    }
  }

  subscribe(listener: (seq: number) => void): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (seq: number): void => {
      listener(seq);
    };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  /** Unsubscribes and closes both connections; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#listeners.clear();
      await Promise.all([
        endRedisConnection(this.#subscriber),
        endRedisConnection(this.#publisher),
      ]);
    })();
    return this.#closing;
  }

  #receive(message: string): void {
    if (this.#closing) return;
    const seq = parseMessage(message, this.instanceId);
    if (seq !== null) this.#deliver(seq);
  }

  #deliver(seq: number): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(seq);
      } catch (e) {
        this.#onError(asError(e));
      }
    }
  }
}
