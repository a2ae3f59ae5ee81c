import type { AuthorizationId, GatewayToken, IdempotencyKey, Money, PaymentId } from '../shared';

/** Why a gateway refused to authorize, in our terms (adapters translate the gateway's codes). */
export type DeclineCode =
  'insufficient-funds' | 'card-expired' | 'do-not-honor' | 'suspected-fraud' | 'invalid-method';

/** Sentences an agent can read to the customer; no gateway jargon, no card data. */
export const DECLINE_MESSAGES: Readonly<Record<DeclineCode, string>> = {
  'insufficient-funds': 'The bank declined the new card for insufficient funds.',
  'card-expired': 'The bank reports that the new card has expired.',
  'do-not-honor':
    'The bank declined the new card without giving a reason; the customer may call their bank.',
  'suspected-fraud':
    'The bank declined the new card as a security precaution; the customer should contact their bank.',
  'invalid-method': 'The new card could not be used; please choose another payment method.',
};

export interface AuthorizeRequest {
  /** The gateway applies at most one authorization per key, whatever the retries. */
  readonly idempotencyKey: IdempotencyKey;
  readonly paymentId: PaymentId;
  readonly token: GatewayToken;
  readonly amount: Money;
}

export interface VoidRequest {
  readonly idempotencyKey: IdempotencyKey;
  readonly paymentId: PaymentId;
  readonly authorizationId: AuthorizationId;
}

export type AuthorizeOutcome =
  | { readonly kind: 'approved'; readonly authorizationId: AuthorizationId }
  | { readonly kind: 'declined'; readonly decline: DeclineCode }
  /** Transient: timeout, 5xx, network. Retry later with the same idempotency key. */
  | { readonly kind: 'unavailable'; readonly detail: string };

export type VoidOutcome =
  | { readonly kind: 'voided' }
  /** The gateway will not void: the authorization was already captured (settled) or is unknown. */
  | { readonly kind: 'refused'; readonly reason: 'already-captured' | 'unknown-authorization' }
  | { readonly kind: 'unavailable'; readonly detail: string };

export type HealthCheckOutcome =
  | { readonly kind: 'healthy' }
  /** Not answering usefully right now (5xx, rate limit, network); says nothing about a card. */
  | { readonly kind: 'unavailable'; readonly detail: string };

/**
 * Port to the card payment gateway, in domain terms. Implementations never
 * throw for business outcomes (declines, refusals) and report transient faults
 * as `unavailable`; a thrown error means a bug or a misconfiguration. Every call
 * that changes money is idempotent by its key: repeating it returns the first outcome.
 */
export interface PaymentGatewayPort {
  authorize(request: AuthorizeRequest): Promise<AuthorizeOutcome>;
  voidAuthorization(request: VoidRequest): Promise<VoidOutcome>;
  /**
   * A cheap call that asks whether the gateway answers at all, through the same adapter (and
   * so the same transport and translation) as the real calls. It carries no card, token,
   * amount or customer data, and it changes nothing at the gateway, so unlike the calls above
   * it needs no idempotency key: repeating it is harmless by nature. Reports outages as
   * `unavailable` like the other calls; it has no timeout of its own (the caller bounds it).
   */
  checkHealth(): Promise<HealthCheckOutcome>;
}
