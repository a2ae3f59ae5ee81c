import { asId } from '../../../domain/shared';
import type {
  AuthorizeOutcome,
  DeclineCode,
  HealthCheckOutcome,
  VoidOutcome,
} from '../../../domain/payments';
import type { RawDeclineCode, RawHealthResponse, RawResponse } from './sandbox-gateway.raw';

const DECLINES: Readonly<Record<RawDeclineCode, DeclineCode>> = {
  insufficient_funds: 'insufficient-funds',
  expired_card: 'card-expired',
  do_not_honor: 'do-not-honor',
  fraudulent: 'suspected-fraud',
  card_not_supported: 'invalid-method',
  invalid_source: 'invalid-method',
};

/**
 * Gateway → domain for an authorization. Anything unexpected is "unavailable"
 * (retried with the same key) rather than a guess at a business outcome —
 * except a reused key or invalid parameters, which are our bugs and throw.
 */
export function translateAuthorize(raw: RawResponse): AuthorizeOutcome {
  if (raw.http === 200 && 'id' in raw.body && raw.body.status === 'held') {
    return { kind: 'approved', authorizationId: asId('Authorization', raw.body.id) };
  }
  if (raw.http === 402) return { kind: 'declined', decline: DECLINES[raw.body.error.decline_code] };
  return unavailableOrBug(raw);
}

export function translateVoid(raw: RawResponse): VoidOutcome {
  if (raw.http === 200 && 'id' in raw.body && raw.body.status === 'voided')
    return { kind: 'voided' };
  if (raw.http === 409) return { kind: 'refused', reason: 'already-captured' };
  if (raw.http === 404) return { kind: 'refused', reason: 'unknown-authorization' };
  return unavailableOrBug(raw);
}

/** Gateway → domain for a health check: only an explicit "ok" counts as healthy. */
export function translateHealth(raw: RawHealthResponse): HealthCheckOutcome {
  if (raw.http !== 200) return { kind: 'unavailable', detail: `gateway http ${raw.http}` };
  if (raw.body.status === 'ok') return { kind: 'healthy' };
  return { kind: 'unavailable', detail: `gateway ${raw.body.status}` };
}

function unavailableOrBug(raw: RawResponse): { kind: 'unavailable'; detail: string } {
  if (raw.http === 400) {
    throw new Error(`Payment gateway refused our request as invalid (${JSON.stringify(raw.body)})`);
  }
  return { kind: 'unavailable', detail: `gateway http ${raw.http}` };
}
