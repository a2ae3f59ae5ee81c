import { createClient } from 'redis';

/** The Redis of the dev/CI machine that the Redis adapters' tests run against. */
export const REDIS_URL = process.env['FLEETDESK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const rawClient = () =>
  createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 3000 } });

export type RawRedis = ReturnType<typeof rawClient>;

/**
 * A plain client on `REDIS_URL` (no reconnects), for a test to look at and poke Redis directly
 * (PUBLISH junk, CLIENT KILL, PUBSUB NUMSUB). Rejects with a clear message if Redis is not
 * reachable, which fails the file. The caller closes it.
 */
export async function connectLocalRedis(): Promise<RawRedis> {
  const raw = rawClient();
  raw.on('error', () => undefined);
  try {
    await raw.connect();
    await raw.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (set FLEETDESK_TEST_REDIS_URL): ${String(error)}`,
      { cause: error },
    );
  }
  return raw;
}
