import { Pool, type PoolClient } from 'pg';

/*
 * What the PostgreSQL stores of the scale-out mode (records, Yjs documents) share: how a pool
 * is opened from a connection string, how a transaction runs on one pooled client, and which
 * schema names are safe.
 */

/** A pool, and whether the store that asked for it owns (and must end) it. */
export interface OpenedPool {
  readonly pool: Pool;
  readonly owned: boolean;
}

/**
 * A caller's Pool as is, or a new pool on a connection string. `onError` hears errors of idle
 * pooled connections (server restart, network drop) of a pool created here; without a
 * listener they would crash the process. Default: console.error.
 */
export function openPostgresPool(
  target: string | Pool,
  onError: (error: Error) => void = (e) => console.error('PostgreSQL pool error:', e.message),
): OpenedPool {
  if (typeof target !== 'string') return { pool: target, owned: false };
  const pool = new Pool({
    connectionString: target,
    connectionTimeoutMillis: 10_000,
    // A database that stops answering must fail calls, not hang them: the Yjs hub awaits every
    // append before it broadcasts, and shutdown awaits what is in flight. 30 s on the server
    // (also bounds lock waits) and on the client (a dead connection never answers at all).
    statement_timeout: 30_000,
    query_timeout: 30_000,
    application_name: 'fleetdesk-sync-server',
  });
  pool.on('error', onError);
  return { pool, owned: true };
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Runs `fn` in one READ COMMITTED transaction on one pooled client: COMMIT when it resolves,
 * ROLLBACK (and rethrow) when it or the COMMIT fails. READ COMMITTED explicitly: each statement
 * after a lock sees every commit made before the lock was granted.
 */
export async function inPostgresTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client that loses its connection emits 'error'; unheard, that would crash
  // the process. Remember it and destroy the client instead of pooling it.
  let broken: Error | undefined;
  const onClientError = (e: Error): void => {
    broken = e;
  };
  client.on('error', onClientError);
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A failed COMMIT has already rolled back; ROLLBACK then only warns. If the connection
      // is gone, ROLLBACK fails and the client is discarded below.
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken ??= asError(e);
      });
      throw error;
    }
  } finally {
    client.off('error', onClientError);
    client.release(broken);
  }
}

/** `schema`, if PostgreSQL will use it as given; throws a RangeError otherwise. */
export function checkSchemaName(schema: string): string {
  // PostgreSQL silently truncates longer identifiers, which could merge two schemas.
  if (schema.length === 0 || Buffer.byteLength(schema) > 63)
    throw new RangeError(`Invalid PostgreSQL schema name: "${schema}"`);
  return schema;
}
