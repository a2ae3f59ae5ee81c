import { createHash, randomUUID } from 'node:crypto';
import type { ServerDatabase } from '../../storage';
import type {
  RawAuthorizeRequest,
  RawDeclineCode,
  RawHealthResponse,
  RawResponse,
  RawUnavailable,
  RawVoidRequest,
  SandboxFaults,
} from './sandbox-gateway.raw';

/**
 * A stand-in for a real card gateway, with the behaviours that matter to us:
 * network latency, declines chosen by test token, transient failures, and
 * idempotency keys honoured across restarts (its ledger lives in the server's
 * SQLite file, tables from migration 2). Test tokens:
 *   pm_..._decline_funds   → insufficient_funds      pm_..._decline_expired → expired_card
 *   pm_..._decline_fraud   → fraudulent              pm_..._decline_generic → do_not_honor
 *   pm_..._flaky           → 30 % transient 503s     anything else          → approved
 */
export class SandboxGatewayService {
  #faults: SandboxFaults = { mode: 'none', failRate: 0, extraLatencyMs: 0 };
  private readonly stmts;
  private readonly inTransaction: <T>(fn: () => T) => T;

  constructor(
    db: ServerDatabase,
    private readonly latencyMs: { readonly min: number; readonly max: number } = {
      min: 40,
      max: 160,
    },
    private readonly random: () => number = Math.random,
  ) {
    this.inTransaction = <T>(fn: () => T): T => db.transaction(fn)();
    this.stmts = {
      findCall: db.prepare<[string], { request_hash: string; response: string }>(
        'SELECT request_hash, response FROM sandbox_gateway_calls WHERE idempotency_key = ?',
      ),
      saveCall: db.prepare<[string, string, string]>(
        'INSERT INTO sandbox_gateway_calls (idempotency_key, request_hash, response) VALUES (?, ?, ?)',
      ),
      findAuth: db.prepare<[string], { status: string }>(
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

  setFaults(faults: SandboxFaults): void {
    this.#faults = faults;
  }

  faults(): SandboxFaults {
    return this.#faults;
  }

  async authorize(idempotencyKey: string, request: RawAuthorizeRequest): Promise<RawResponse> {
    return this.call(idempotencyKey, request, request.source, () => {
      const decline = declineFor(request.source);
      if (decline)
        return { http: 402, body: { error: { type: 'card_error', decline_code: decline } } };
      if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
        return {
          http: 400,
          body: { error: { type: 'invalid_request_error', code: 'parameter_invalid' } },
        };
      }
      const id = `auth_${randomUUID().replace(/-/g, '')}`;
      this.stmts.holdAuth.run(id, request.source, request.amount, request.currency);
      return { http: 200, body: { id, object: 'authorization', status: 'held' } };
    });
  }

  async voidAuthorization(idempotencyKey: string, request: RawVoidRequest): Promise<RawResponse> {
    return this.call(idempotencyKey, request, '', () => {
      const auth = this.stmts.findAuth.get(request.authorization);
      if (!auth)
        return {
          http: 404,
          body: { error: { type: 'invalid_request_error', code: 'resource_missing' } },
        };
      if (auth.status === 'captured') {
        return {
          http: 409,
          body: {
            error: { type: 'invalid_request_error', code: 'authorization_already_captured' },
          },
        };
      }
      this.stmts.setAuth.run('voided', request.authorization);
      return {
        http: 200,
        body: { id: request.authorization, object: 'authorization', status: 'voided' },
      };
    });
  }

  /** Test/demo helper: marks an authorization captured (settled). */
  capture(authorizationId: string): void {
    this.stmts.setAuth.run('captured', authorizationId);
  }

  /** Test helper: how many holds the gateway has on a token (to prove exactly-once). */
  heldCount(token: string): number {
    return this.stmts.countHeld.get(token)?.n ?? 0;
  }

  /** Seeds an existing hold (the demo dataset's orders were authorized before we started). */
  seedHold(authorizationId: string, token: string, amountMinor: number, currency: string): void {
    this.stmts.holdAuth.run(authorizationId, token, amountMinor, currency);
  }

  /**
   * `GET /v1/health`: the same latency and injected faults as every other call (so "down"
   * fails it and extra latency slows it), but no key, no body and nothing in the ledger.
   */
  async health(): Promise<RawHealthResponse> {
    return (await this.transit()) ?? { http: 200, body: { object: 'health', status: 'ok' } };
  }

  /**
   * The way to the gateway: its latency, then the injected faults, which happen in front of
   * the ledger (the call never arrived, nothing is recorded). The failure met on the way, or
   * null once the call has arrived.
   */
  private async transit(): Promise<RawUnavailable | null> {
    const faults = this.#faults;
    const span = this.latencyMs.max - this.latencyMs.min;
    await sleep(this.latencyMs.min + this.random() * span + faults.extraLatencyMs);
    if (faults.mode === 'down') return UNAVAILABLE;
    if (faults.mode === 'flaky' && this.random() < faults.failRate) return UNAVAILABLE;
    return null;
  }

  private async call(
    key: string,
    request: unknown,
    source: string,
    execute: () => RawResponse,
  ): Promise<RawResponse> {
    const failed = await this.transit();
    if (failed) return failed;
    if (source.includes('_flaky') && this.random() < 0.3) return UNAVAILABLE;

    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    // The effect (a hold, a void) and its idempotency record commit together: with two
    // autocommits a crash between them left a hold with no record, and the retry held twice.
    return this.inTransaction((): RawResponse => {
      const previous = this.stmts.findCall.get(key);
      if (previous) {
        if (previous.request_hash !== hash) {
          return {
            http: 400,
            body: { error: { type: 'invalid_request_error', code: 'idempotency_key_reuse' } },
          };
        }
        return JSON.parse(previous.response) as RawResponse;
      }
      const response = execute();
      this.stmts.saveCall.run(key, hash, JSON.stringify(response));
      return response;
    });
  }
}

function declineFor(token: string): RawDeclineCode | null {
  if (token.includes('_decline_funds')) return 'insufficient_funds';
  if (token.includes('_decline_expired')) return 'expired_card';
  if (token.includes('_decline_fraud')) return 'fraudulent';
  if (token.includes('_decline_generic')) return 'do_not_honor';
  return null;
}

const UNAVAILABLE: RawUnavailable = { http: 503, body: { error: { type: 'api_error' } } };

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
