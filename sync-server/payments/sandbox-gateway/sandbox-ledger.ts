import type { ServerDatabase } from '../../storage';
import type { RawResponse } from './sandbox-gateway.raw';

/*
 * The sandbox gateway's ledger: which idempotency keys it has answered (and with what), and the
 * authorizations it holds. A real gateway keeps this on its side; the sandbox keeps it in the
 * server's store so that it survives restarts (SQLite, embedded) and is shared by every
 * instance (PostgreSQL, scale-out: `sandbox-ledger.postgres.ts`), because a payment step may be
 * retried by an instance other than the one that first called.
 */

export type AuthorizationStatus = 'held' | 'voided' | 'captured';

/** The authorization table, as seen from inside one `once` call. */
export interface SandboxLedgerTx {
  authorizationStatus(authorizationId: string): Promise<AuthorizationStatus | undefined>;
  hold(
    authorizationId: string,
    token: string,
    amountMinor: number,
    currency: string,
  ): Promise<void>;
  setStatus(authorizationId: string, status: AuthorizationStatus): Promise<void>;
}

/** What `once` found: the first answer for the key, or the one `execute` just produced. */
export type LedgerAnswer =
  | { readonly kind: 'previous'; readonly requestHash: string; readonly response: RawResponse }
  | { readonly kind: 'executed'; readonly response: RawResponse };

export interface SandboxLedger {
  /**
   * Runs `execute` at most once per idempotency key, ever: a second call with the key (also
   * concurrently, also from another instance) waits for the first and gets its answer as
   * `previous`. The effects `execute` makes through its tx and the remembered answer commit
   * together, or neither does (then it rejects).
   */
  once(
    key: string,
    requestHash: string,
    execute: (tx: SandboxLedgerTx) => Promise<RawResponse>,
  ): Promise<LedgerAnswer>;
  /** Test/demo helper: marks an authorization captured (settled). */
  capture(authorizationId: string): Promise<void>;
  /** How many holds exist on a token (tests prove exactly-once with it). */
  heldCount(token: string): Promise<number>;
  /** An existing hold (the demo dataset's orders were authorized before we started). */
  seedHold(
    authorizationId: string,
    token: string,
    amountMinor: number,
    currency: string,
  ): Promise<void>;
}

/**
 * The embedded ledger, in the server's SQLite file (tables from migration 2). better-sqlite3 is
 * synchronous, so the tx's promises are settled when returned and `once` finishes in the turn
 * it started: no other call can interleave, which is what makes it at-most-once per key.
 */
export class SqliteSandboxLedger implements SandboxLedger {
  private readonly stmts;

  constructor(private readonly db: ServerDatabase) {
    this.stmts = {
      findCall: db.prepare<[string], { request_hash: string; response: string }>(
        'SELECT request_hash, response FROM sandbox_gateway_calls WHERE idempotency_key = ?',
      ),
      saveCall: db.prepare<[string, string, string]>(
        'INSERT INTO sandbox_gateway_calls (idempotency_key, request_hash, response) VALUES (?, ?, ?)',
      ),
      findAuth: db.prepare<[string], { status: AuthorizationStatus }>(
        'SELECT status FROM sandbox_gateway_authorizations WHERE authorization_id = ?',
      ),
      holdAuth: db.prepare<[string, string, number, string]>(
        "INSERT INTO sandbox_gateway_authorizations VALUES (?, ?, ?, ?, 'held')",
      ),
      setAuth: db.prepare<[string, string]>(
        'UPDATE sandbox_gateway_authorizations SET status = ? WHERE authorization_id = ?',
      ),
      countHeld: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM sandbox_gateway_authorizations WHERE token = ? AND status = 'held'",
      ),
    };
  }

  async once(
    key: string,
    requestHash: string,
    execute: (tx: SandboxLedgerTx) => Promise<RawResponse>,
  ): Promise<LedgerAnswer> {
    const previous = this.previous(key);
    if (previous) return previous;
    // The effects are collected and committed with the answer in ONE transaction: as two
    // autocommits, a crash between the hold and its record left a hold with no record, and the
    // retry held twice (issue 16). Reads see the committed state, as `execute` needs.
    const effects: (() => void)[] = [];
    const response = await execute({
      authorizationStatus: (id) => Promise.resolve(this.stmts.findAuth.get(id)?.status),
      hold: (id, token, amount, currency) => {
        effects.push(() => this.stmts.holdAuth.run(id, token, amount, currency));
        return Promise.resolve();
      },
      setStatus: (id, status) => {
        effects.push(() => this.stmts.setAuth.run(status, id));
        return Promise.resolve();
      },
    });
    return this.db.transaction((): LedgerAnswer => {
      // A concurrent call with the key that committed first wins; this one's effects are dropped.
      const first = this.previous(key);
      if (first) return first;
      for (const effect of effects) effect();
      this.stmts.saveCall.run(key, requestHash, JSON.stringify(response));
      return { kind: 'executed', response };
    })();
  }

  private previous(key: string): LedgerAnswer | null {
    const row = this.stmts.findCall.get(key);
    return row
      ? {
          kind: 'previous',
          requestHash: row.request_hash,
          response: JSON.parse(row.response) as RawResponse,
        }
      : null;
  }

  capture(authorizationId: string): Promise<void> {
    this.stmts.setAuth.run('captured', authorizationId);
    return Promise.resolve();
  }

  heldCount(token: string): Promise<number> {
    return Promise.resolve(this.stmts.countHeld.get(token)?.n ?? 0);
  }

  seedHold(
    authorizationId: string,
    token: string,
    amountMinor: number,
    currency: string,
  ): Promise<void> {
    this.stmts.holdAuth.run(authorizationId, token, amountMinor, currency);
    return Promise.resolve();
  }
}
