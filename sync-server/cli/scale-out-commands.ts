import { Pool } from 'pg';
import type { Role } from '../../domain/protocol';
import type { ScaleOutConfig } from '../server';
import { signToken } from '../auth';
import type { AccessStore } from '../access';
import { migrateCluster, PostgresAccessStore, redactUrl, TokenKeyRing } from '../cluster';
import { checkSchemaName } from '../storage';

/*
 * The CLI's scale-out parts: parsing --storage/--redis, and the commands that talk to a
 * deployment's PostgreSQL directly (`token --storage`, `rotate-key`).
 */

/** Checks a connection URL's scheme; the error names the flag and never echoes a password. */
export function checkUrl(value: string, flag: string, schemes: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--${flag} must be a URL like ${schemes[0]}://host:port/…`);
  }
  if (!schemes.includes(url.protocol.replace(/:$/, '')))
    throw new Error(
      `--${flag} must start with ${schemes.map((s) => `${s}://`).join(' or ')}, got ${redactUrl(value)}`,
    );
  return value;
}

export const checkStorageUrl = (value: string): string =>
  checkUrl(value, 'storage', ['postgres', 'postgresql']);
export const checkRedisUrl = (value: string): string =>
  checkUrl(value, 'redis', ['redis', 'rediss']);

/** Opens the deployment's database (migrated) and its key ring for one command, then closes. */
async function withKeyRing<T>(
  storage: string,
  schema: string,
  fn: (ring: TokenKeyRing) => Promise<T>,
): Promise<T> {
  const pool = new Pool({ connectionString: storage, connectionTimeoutMillis: 10_000, max: 2 });
  pool.on('error', () => undefined);
  try {
    await migrateCluster(pool, checkSchemaName(schema), 'cli').catch((e: unknown) => {
      throw new Error(`PostgreSQL at ${redactUrl(storage)}: ${String(e)}`, { cause: e });
    });
    return await fn(await TokenKeyRing.open(pool, schema));
  } finally {
    await pool.end();
  }
}

/** `token --storage …`: a token signed with the deployment's current key (named in it). */
export function mintScaleOutToken(
  storage: string,
  schema: string,
  claims: { userId: string; role: Role; expiresAt: number },
): Promise<string> {
  return withKeyRing(storage, schema, (ring) => {
    const key = ring.signing();
    return Promise.resolve(signToken(key.secret, claims, key.kid));
  });
}

/**
 * `revoke` / `access` with `--storage`: the deployment's access store for one command. With
 * `redis`, a revocation is also published, so every instance closes the sockets at once;
 * without, instances find it at their next re-read (2 s).
 */
export async function withScaleOutAccess<T>(
  storage: string,
  schema: string,
  redis: { url: string; prefix: string } | undefined,
  fn: (store: AccessStore) => Promise<T>,
): Promise<T> {
  const pool = new Pool({ connectionString: storage, connectionTimeoutMillis: 10_000, max: 2 });
  pool.on('error', () => undefined);
  try {
    await migrateCluster(pool, checkSchemaName(schema), 'cli').catch((e: unknown) => {
      throw new Error(`PostgreSQL at ${redactUrl(storage)}: ${String(e)}`, { cause: e });
    });
    const store = await PostgresAccessStore.open({
      pool,
      schema,
      ...(redis ? { redis } : {}),
      onError: (e) => {
        console.error(`access store: ${e.message}`);
      },
    });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await pool.end();
  }
}

/** `rotate-key --storage … [--retire-old]`: resolves to the new key's id. */
export function rotateKey(storage: string, schema: string, retireOld: boolean): Promise<string> {
  return withKeyRing(storage, schema, (ring) => ring.rotate(retireOld));
}

type ScaleOutFlag = 'storage' | 'redis' | 'pg-schema' | 'redis-prefix';

/** The scale-out part of the server configuration: null (embedded) unless both URLs are given. */
export function scaleOutFrom(
  str: (name: ScaleOutFlag) => string | undefined,
  leaseTtlMs: () => number,
): ScaleOutConfig | null {
  const storage = str('storage');
  const redis = str('redis');
  if (storage === undefined && redis === undefined) return null;
  if (storage === undefined || redis === undefined)
    throw new Error(
      'Scale-out needs both --storage postgres://… and --redis redis://… (or neither, for embedded SQLite)',
    );
  return {
    storage: checkStorageUrl(storage),
    redis: checkRedisUrl(redis),
    schema: schemaFrom(str),
    redisPrefix: str('redis-prefix') ?? 'fleetdesk:',
    leaseTtlMs: leaseTtlMs(),
  };
}

export function schemaFrom(str: (name: 'pg-schema') => string | undefined): string {
  const schema = str('pg-schema') ?? 'fleetdesk';
  // Lower case only: PostgreSQL folds unquoted names, and psql users type them unquoted.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error('--pg-schema must be lower-case letters, digits and _ (max 63)');
  return schema;
}
