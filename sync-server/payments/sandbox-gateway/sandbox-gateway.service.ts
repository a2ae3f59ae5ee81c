import { createHash, randomUUID } from 'node:crypto';
import type { ServerDatabase } from '../../storage';
import { SqliteSandboxLedger, type SandboxLedger, type SandboxLedgerTx } from './sandbox-ledger';
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
 * idempotency keys honoured across restarts and instances (its ledger: `sandbox-ledger.ts`;
 * SQLite or PostgreSQL). Test tokens:
 *   pm_..._decline_funds   → insufficient_funds      pm_..._decline_expired → expired_card
 *   pm_..._decline_fraud   → fraudulent              pm_..._decline_generic → do_not_honor
 *   pm_..._flaky           → 30 % transient 503s     anything else          → approved
 */
export class SandboxGatewayService {
  #faults: SandboxFaults = { mode: 'none', failRate: 0, extraLatencyMs: 0 };
  private readonly ledger: SandboxLedger;

  constructor(
    /** The server's SQLite file (embedded) or a ledger of its own (PostgreSQL, scale-out). */
    ledger: ServerDatabase | SandboxLedger,
    private readonly latencyMs: { readonly min: number; readonly max: number } = {
      min: 40,
      max: 160,
    },
    private readonly random: () => number = Math.random,
  ) {
    this.ledger = 'once' in ledger ? ledger : new SqliteSandboxLedger(ledger);
  }

  setFaults(faults: SandboxFaults): void {
    this.#faults = faults;
  }

  faults(): SandboxFaults {
    return this.#faults;
  }

  async authorize(idempotencyKey: string, request: RawAuthorizeRequest): Promise<RawResponse> {
    return this.call(idempotencyKey, request, request.source, async (tx) => {
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
      await tx.hold(id, request.source, request.amount, request.currency);
      return { http: 200, body: { id, object: 'authorization', status: 'held' } };
    });
  }

  async voidAuthorization(idempotencyKey: string, request: RawVoidRequest): Promise<RawResponse> {
    return this.call(idempotencyKey, request, '', async (tx) => {
      const status = await tx.authorizationStatus(request.authorization);
      if (status === undefined)
        return {
          http: 404,
          body: { error: { type: 'invalid_request_error', code: 'resource_missing' } },
        };
      if (status === 'captured' || this.#faults.mode === 'refuse-voids') {
        return {
          http: 409,
          body: {
            error: { type: 'invalid_request_error', code: 'authorization_already_captured' },
          },
        };
      }
      await tx.setStatus(request.authorization, 'voided');
      return {
        http: 200,
        body: { id: request.authorization, object: 'authorization', status: 'voided' },
      };
    });
  }

  /** Test/demo helper: marks an authorization captured (settled). */
  capture(authorizationId: string): Promise<void> {
    return this.ledger.capture(authorizationId);
  }

  /** Test helper: how many holds the gateway has on a token (to prove exactly-once). */
  heldCount(token: string): Promise<number> {
    return this.ledger.heldCount(token);
  }

  /** Seeds an existing hold (the demo dataset's orders were authorized before we started). */
  seedHold(
    authorizationId: string,
    token: string,
    amountMinor: number,
    currency: string,
  ): Promise<void> {
    return this.ledger.seedHold(authorizationId, token, amountMinor, currency);
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
    execute: (tx: SandboxLedgerTx) => Promise<RawResponse>,
  ): Promise<RawResponse> {
    const failed = await this.transit();
    if (failed) return failed;
    if (source.includes('_flaky') && this.random() < 0.3) return UNAVAILABLE;

    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const answer = await this.ledger.once(key, hash, execute);
    if (answer.kind === 'previous' && answer.requestHash !== hash) {
      return {
        http: 400,
        body: { error: { type: 'invalid_request_error', code: 'idempotency_key_reuse' } },
      };
    }
    return answer.response;
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
