import { escapeIdentifier, type Pool } from 'pg';
import { checkSchemaName, inPostgresTransaction } from '../storage';

/*
 * Numbered, append-only migrations of the scale-out mode's own tables (token keys, leases, the
 * sandbox gateway's ledger). The record and Yjs stores create their tables themselves
 * (idempotently, each under its own lock); these run first, at every start, under one
 * transaction-scoped advisory lock, so instances that start together migrate once: the first
 * applies, the others wait on the lock and then find every version applied.
 * Never edit a shipped migration: add the next number.
 */

interface ClusterMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: (s: string) => string;
}

const MIGRATIONS: readonly ClusterMigration[] = [
  {
    version: 1,
    name: 'token signing keys',
    sql: (s) => `
      -- HMAC keys of the access tokens; the newest unretired one signs, every unretired one verifies.
      CREATE TABLE ${s}.token_keys (
        kid        text PRIMARY KEY,
        secret     bytea  NOT NULL,
        created_at bigint NOT NULL,
        retired_at bigint
      );`,
  },
  {
    version: 2,
    name: 'background job leases',
    sql: (s) => `
      -- One row per background job: who runs it, until when, and its fencing token, which grows
      -- every time the lease changes hands (or lapses), so writes of a former holder are refused.
      CREATE TABLE ${s}.leases (
        name       text PRIMARY KEY,
        holder     text        NOT NULL,
        token      bigint      NOT NULL,
        expires_at timestamptz NOT NULL
      );`,
  },
  {
    version: 3,
    name: 'sandbox gateway ledger',
    sql: (s) => `
      CREATE TABLE ${s}.sandbox_gateway_calls (
        idempotency_key text PRIMARY KEY,
        request_hash    text NOT NULL,
        response        text NOT NULL
      );
      CREATE TABLE ${s}.sandbox_gateway_authorizations (
        authorization_id text PRIMARY KEY,
        token            text   NOT NULL,
        amount_minor     bigint NOT NULL,
        currency         text   NOT NULL,
        status           text   NOT NULL   -- 'held' | 'voided' | 'captured'
      );
      CREATE INDEX sandbox_gateway_authorizations_by_token
        ON ${s}.sandbox_gateway_authorizations (token) WHERE status = 'held';`,
  },
  {
    version: 4,
    name: 'access revocations',
    sql: (s) => `
      -- The embedded mode's access tables (sync-server/access), shared by every instance.
      CREATE TABLE ${s}.access_revocations (
        kind       text   NOT NULL CHECK (kind IN ('user', 'desk')),
        subject    text   NOT NULL,
        revoked_at bigint NOT NULL,
        reason     text   NOT NULL,
        PRIMARY KEY (kind, subject)
      );
      CREATE TABLE ${s}.access_desks (
        desk_id   text PRIMARY KEY,
        user_id   text   NOT NULL,
        last_seen bigint NOT NULL
      );
      -- Sign-in tokens by id (a hash, never the token) per desk, and those revoked with a desk.
      CREATE TABLE ${s}.access_desk_sign_ins (
        desk_id  text NOT NULL,
        token_id text NOT NULL,
        PRIMARY KEY (desk_id, token_id)
      );
      CREATE TABLE ${s}.access_revoked_sign_ins (
        token_id   text PRIMARY KEY,
        desk_id    text   NOT NULL,
        revoked_at bigint NOT NULL
      );
      CREATE TABLE ${s}.access_loss_reports (
        id          bigserial PRIMARY KEY,
        desk_id     text   NOT NULL,
        user_id     text   NOT NULL,
        reported_at bigint NOT NULL,
        report      jsonb  NOT NULL
      );
      CREATE INDEX access_loss_reports_by_desk ON ${s}.access_loss_reports (desk_id, id);`,
  },
];

export const LATEST_CLUSTER_MIGRATION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Applies the missing migrations; resolves to the versions this call applied (empty when
 * another instance had already). Refuses a database migrated by a newer build.
 */
export async function migrateCluster(
  pool: Pool,
  schema: string,
  instanceId: string,
): Promise<number[]> {
  const s = escapeIdentifier(checkSchemaName(schema));
  return inPostgresTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `fleetdesk.migrate:${schema}`,
    ]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version    integer PRIMARY KEY,
        name       text        NOT NULL,
        applied_by text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${s}.schema_migrations`,
    );
    const current = rows[0]?.v ?? 0;
    if (current > LATEST_CLUSTER_MIGRATION)
      throw new Error(
        `Database schema "${schema}" is at migration ${current}, newer than this server (${LATEST_CLUSTER_MIGRATION}); refusing to start.`,
      );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql(s));
      await client.query(
        `INSERT INTO ${s}.schema_migrations (version, name, applied_by) VALUES ($1, $2, $3)`,
        [m.version, m.name, instanceId],
      );
      applied.push(m.version);
    }
    return applied;
  });
}
