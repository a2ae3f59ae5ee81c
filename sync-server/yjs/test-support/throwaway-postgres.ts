import { randomBytes } from 'node:crypto';
import { escapeIdentifier, Pool } from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { PostgresDocStore } from '../postgres-doc-store';

const ADMIN_URL =
  process.env['FLEETDESK_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ThrowawayPostgres {
  /** A schema name not used before in this file's database. */
  nextSchema(): string;
  /** A store with its own pool on `schema` of the throwaway database. */
  open(schema: string): Promise<PostgresDocStore>;
}

/**
 * Registers beforeAll/afterAll hooks that create one database with a unique name for the test
 * file and drop it at the end (also ending connections a failed test leaked). An unreachable
 * server fails the file. Pool errors of the stores are collected and must be none.
 */
export function throwawayPostgres(): ThrowawayPostgres {
  const database = `fd_yjs_test_${randomBytes(5).toString('hex')}`;
  let admin: Pool | undefined;
  let url = '';
  let schemas = 0;
  const poolErrors: Error[] = [];
  beforeAll(async () => {
    admin = new Pool({ connectionString: ADMIN_URL, max: 1, connectionTimeoutMillis: 5000 });
    admin.on('error', () => undefined);
    try {
      await admin.query('SELECT 1');
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${ADMIN_URL} (set FLEETDESK_TEST_POSTGRES_URL): ${String(error)}`,
        { cause: error },
      );
    }
    await admin.query(`CREATE DATABASE ${escapeIdentifier(database)}`);
    const u = new URL(ADMIN_URL);
    u.pathname = `/${database}`;
    url = u.toString();
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(database)} WITH (FORCE)`);
    await admin?.end();
    expect(poolErrors).toEqual([]);
  });
  return {
    nextSchema: () => `yjs_${(schemas += 1)}`,
    open: (schema) => PostgresDocStore.open(url, { schema, onError: (e) => poolErrors.push(e) }),
  };
}
