import { createClient } from 'redis';

/*
 * What the Redis adapters of the scale-out mode (the record change feed, the Yjs fan-out) share:
 * how a connection is made and how it reconnects.
 */

export interface RedisConnectionOptions {
  /** e.g. redis://127.0.0.1:6379 */
  readonly url: string;
  /** Socket connect timeout per attempt (default 5000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** Shows up in CLIENT LIST, so an operator can tell whose connection it is. */
  readonly name: string;
  /** What the connection is for, in the error when the first connect fails. */
  readonly purpose: string;
  /**
   * Reject commands at once while disconnected instead of queueing them (publishers: memory
   * must not grow with an outage). Subscribers keep the queue, so a SUBSCRIBE waits for Redis.
   */
  readonly disableOfflineQueue: boolean;
  /** Connection errors, every one; never thrown. */
  readonly onError: (error: Error) => void;
}

export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * A node-redis client, not yet connected. The first connection fails fast (a misconfigured URL
 * should stop the server at startup: `connect()` rejects with "<purpose> cannot reach <url>");
 * once it has been up, it reconnects with capped backoff, forever, and re-subscribes by itself.
 */
export function createRedisConnection(options: RedisConnectionOptions) {
  let ready = false;
  const client = createClient({
    url: options.url,
    name: options.name,
    disableOfflineQueue: options.disableOfflineQueue,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      reconnectStrategy: (retries, cause) =>
        ready
          ? Math.min(50 * 2 ** retries, 2000)
          : new Error(`${options.purpose} cannot reach ${options.url}: ${cause.message}`, {
              cause,
            }),
    },
  });
  client.on('ready', () => {
    ready = true;
  });
  client.on('error', (e: unknown) => {
    options.onError(asError(e));
  });
  return client;
}

export type RedisConnection = ReturnType<typeof createRedisConnection>;

/**
 * Closes a connection (QUIT), or drops it if that fails; a closed one is left alone. One that is
 * not ready (reconnecting through an outage) is dropped at once: a QUIT would wait for Redis.
 */
export function endRedisConnection(client: RedisConnection): Promise<void> {
  if (!client.isOpen) return Promise.resolve();
  if (!client.isReady) {
    client.destroy();
    return Promise.resolve();
  }
  return client.close().catch(() => client.destroy());
}

export interface RedisPubSubOptions extends Pick<
  RedisConnectionOptions,
  'url' | 'connectTimeoutMs' | 'purpose'
> {
  /** Connection names are `<namePrefix>-publisher-<instanceId>` and `…-subscriber-…`. */
  readonly namePrefix: string;
  readonly instanceId: string;
  /** Connection errors once both are connected (before, the rejection carries them). */
  readonly onError: (error: Error) => void;
}

/**
 * Two connections for a pub/sub adapter (a subscribed connection cannot PUBLISH): a publisher
 * without offline queue and a subscriber with one. Resolves once both are connected; rejects,
 * and drops both, if either cannot connect.
 */
export async function openRedisPubSub(
  options: RedisPubSubOptions,
): Promise<{ publisher: RedisConnection; subscriber: RedisConnection }> {
  let opened = false;
  const connect = (role: string, disableOfflineQueue: boolean): RedisConnection =>
    createRedisConnection({
      url: options.url,
      connectTimeoutMs: options.connectTimeoutMs,
      name: `${options.namePrefix}-${role}-${options.instanceId}`,
      purpose: options.purpose,
      disableOfflineQueue,
      onError: (e) => {
        if (opened) options.onError(e);
      },
    });
  const publisher = connect('publisher', true);
  const subscriber = connect('subscriber', false);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    publisher.destroy();
    subscriber.destroy();
    throw error;
  }
  opened = true;
  return { publisher, subscriber };
}
