import { randomBytes } from 'node:crypto';
import { escapeIdentifier, Pool } from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';

const ADMIN_URL =
  process.env['FLEETDESK_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ThrowawayPostgres {
  /** Connection string of the throwaway database (set once beforeAll ran). */
  readonly url: string;
  /** A schema name not used before in this database. */
  nextSchema(): string;
  /** Give this to the stores' pools: errors of idle connections, which must be none. */
  readonly onPoolError: (error: Error) => void;
}

export interface ThrowawayOptions {
  /** Start of the database and schema names, e.g. `fd_test` and `store`. */
  readonly databasePrefix: string;
  readonly schemaPrefix: string;
  /** Creates the database named `quoted` (already an escaped identifier); default: plain. */
  readonly create?: (admin: Pool, quoted: string) => Promise<unknown>;
}

/**
 * For a test file against the real PostgreSQL of the dev/CI machine
 * (FLEETDESK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres): registers
 * beforeAll/afterAll hooks that create one database with a unique name and drop it at the end
 * (WITH (FORCE): also ending connections a failed test leaked). An unreachable server fails
 * the file.
 */
export function throwawayPostgres(options: ThrowawayOptions): ThrowawayPostgres {
  const database = `${options.databasePrefix}_${randomBytes(5).toString('hex')}`;
  const quoted = escapeIdentifier(database);
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
    await (options.create ?? ((a, q) => a.query(`CREATE DATABASE ${q}`)))(admin, quoted);
    const u = new URL(ADMIN_URL);
    u.pathname = `/${database}`;
    url = u.toString();
  });
  let dropping = false;
  afterAll(async () => {
    // pg-pool's end() resolves before its clients' sockets are closed, so the FORCE below may
    // still terminate one of them (57P01): that is the drop's doing, not the code's under test.
    dropping = true;
    await admin?.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    await admin?.end();
    expect(poolErrors).toEqual([]);
  });
  return {
    get url() {
      return url;
    },
    nextSchema: () => `${options.schemaPrefix}_${(schemas += 1)}`,
    onPoolError: (e) => {
      if (dropping && (e as { code?: unknown }).code === '57P01') return;
      poolErrors.push(e);
    },
  };
}
