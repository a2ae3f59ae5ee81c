import { escapeIdentifier, type Pool } from 'pg';
import type {
  AuthorizationStatus,
  LedgerAnswer,
  SandboxLedger,
  SandboxLedgerTx,
} from '../payments';
import { inPostgresTransaction } from '../storage';

type RawResponse = LedgerAnswer['response'];

/**
 * The sandbox gateway's ledger in PostgreSQL (tables from cluster migration 3), shared by every
 * instance: a payment step retried by another instance after its first caller died gets the
 * first answer, as from a real gateway. `once` holds a transaction-scoped advisory lock on the
 * key, so two instances calling with one key at once run `execute` once; the second waits and
 * reads the first's answer.
 */
export class PostgresSandboxLedger implements SandboxLedger {
  readonly #sql;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    const s = escapeIdentifier(schema);
    const calls = `${s}.sandbox_gateway_calls`;
    const auths = `${s}.sandbox_gateway_authorizations`;
    this.#sql = {
      lockKey: `SELECT pg_advisory_xact_lock(hashtext('fleetdesk.gateway'), hashtext($1))`,
      findCall: `SELECT request_hash, response FROM ${calls} WHERE idempotency_key = $1`,
      saveCall: `INSERT INTO ${calls} (idempotency_key, request_hash, response) VALUES ($1, $2, $3)`,
      findAuth: `SELECT status FROM ${auths} WHERE authorization_id = $1`,
      hold: `INSERT INTO ${auths} (authorization_id, token, amount_minor, currency, status)
             VALUES ($1, $2, $3, $4, 'held') ON CONFLICT (authorization_id) DO NOTHING`,
      setStatus: `UPDATE ${auths} SET status = $2 WHERE authorization_id = $1`,
      countHeld: `SELECT count(*) AS n FROM ${auths} WHERE token = $1 AND status = 'held'`,
    };
  }

  once(
    key: string,
    requestHash: string,
    execute: (tx: SandboxLedgerTx) => Promise<RawResponse>,
  ): Promise<LedgerAnswer> {
    const sql = this.#sql;
    return inPostgresTransaction(this.pool, async (client): Promise<LedgerAnswer> => {
      await client.query(sql.lockKey, [key]);
      const previous = await client.query<{ request_hash: string; response: string }>(
        sql.findCall,
        [key],
      );
      const row = previous.rows[0];
      if (row)
        return {
          kind: 'previous',
          requestHash: row.request_hash,
          response: JSON.parse(row.response) as RawResponse,
        };
      const response = await execute({
        authorizationStatus: async (id) => {
          const { rows } = await client.query<{ status: AuthorizationStatus }>(sql.findAuth, [id]);
          return rows[0]?.status;
        },
        hold: async (id, token, amount, currency) => {
          await client.query(sql.hold, [id, token, amount, currency]);
        },
        setStatus: async (id, status) => {
          await client.query(sql.setStatus, [id, status]);
        },
      });
      await client.query(sql.saveCall, [key, requestHash, JSON.stringify(response)]);
      return { kind: 'executed', response };
    });
  }

  async capture(authorizationId: string): Promise<void> {
    await this.pool.query(this.#sql.setStatus, [authorizationId, 'captured']);
  }

  async heldCount(token: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(this.#sql.countHeld, [token]);
    return Number(rows[0]?.n ?? 0);
  }

  async seedHold(
    authorizationId: string,
    token: string,
    amountMinor: number,
    currency: string,
  ): Promise<void> {
    await this.pool.query(this.#sql.hold, [authorizationId, token, amountMinor, currency]);
  }
}
