/**
 * The sandbox gateway's own wire model ("Sandpay" API shapes). These types never
 * leave this folder: the translator turns them into domain outcomes.
 */
export interface RawAuthorizeRequest {
  readonly amount: number; // minor units
  readonly currency: string; // lower-case ISO 4217, as the gateway wants it
  readonly source: string; // payment-method token
  readonly metadata: { readonly payment_id: string };
}

export interface RawVoidRequest {
  readonly authorization: string;
  readonly metadata: { readonly payment_id: string };
}

export type RawDeclineCode =
  | 'insufficient_funds'
  | 'expired_card'
  | 'do_not_honor'
  | 'fraudulent'
  | 'card_not_supported'
  | 'invalid_source';

/** Response envelope: an HTTP-like status plus a JSON body. */
export type RawResponse =
  | {
      readonly http: 200;
      readonly body: {
        readonly id: string;
        readonly object: 'authorization';
        readonly status: 'held';
      };
    }
  | {
      readonly http: 200;
      readonly body: {
        readonly id: string;
        readonly object: 'authorization';
        readonly status: 'voided';
      };
    }
  | {
      readonly http: 402;
      readonly body: {
        readonly error: { readonly type: 'card_error'; readonly decline_code: RawDeclineCode };
      };
    }
  | {
      readonly http: 400 | 404 | 409;
      readonly body: {
        readonly error: {
          readonly type: 'invalid_request_error';
          readonly code:
            | 'authorization_already_captured'
            | 'resource_missing'
            | 'idempotency_key_reuse'
            | 'parameter_invalid';
        };
      };
    }
  | RawUnavailable;

/** The gateway (or what is in front of it) is not answering usefully; any call can get this. */
export interface RawUnavailable {
  readonly http: 429 | 500 | 503;
  readonly body: { readonly error: { readonly type: 'api_error' | 'rate_limit_error' } };
}

/**
 * `GET /v1/health`: no request body, no idempotency key, nothing recorded. `maintenance`: the
 * API answers but takes no authorizations (a scheduled window).
 */
export type RawHealthResponse =
  | {
      readonly http: 200;
      readonly body: { readonly object: 'health'; readonly status: 'ok' | 'maintenance' };
    }
  | RawUnavailable;

/** What the sandbox is told to do wrong, switchable at run time (tests and demos). */
export interface SandboxFaults {
  /**
   * 'down': every call fails with 503 before reaching the ledger. 'flaky': a share of calls fail.
   * 'refuse-voids': the card company answers every void with 409 (a drill: holds it will not release).
   */
  readonly mode: 'none' | 'down' | 'flaky' | 'refuse-voids';
  /** Share of calls that fail in 'flaky' mode, 0..1. */
  readonly failRate: number;
  /** Added to every call's latency, milliseconds. */
  readonly extraLatencyMs: number;
}
