import type { IdempotencyKey, Instant } from '../shared';

/**
 * Releasing a payment's hold when its delivery order is cancelled before pickup:
 *
 *   requested ──void approved──▶ released
 *       │
 *       └──void refused──▶ void-refused   (the hold stays; a supervisor must look)
 *
 * A release requested while a method change is running waits for that change to
 * end, then voids whatever authorization the change left in force. A payment
 * that holds nothing when the release is requested is released at once.
 */
export type ReleaseStep = 'requested' | 'released' | 'void-refused';

export interface PaymentRelease {
  /** The cancel command's key; the gateway void is keyed `<key>/release`, so it happens once. */
  readonly key: IdempotencyKey;
  readonly reason: string;
  readonly step: ReleaseStep;
  readonly requestedAt: Instant;
  readonly updatedAt: Instant;
  /** Voids retried by a supervisor after a refusal (absent: none); each retry has its own gateway key. */
  readonly retries?: number;
}

export type ReleaseOutcome = 'voided' | 'refused';

export function startRelease(key: IdempotencyKey, reason: string, at: Instant): PaymentRelease {
  return { key, reason, step: 'requested', requestedAt: at, updatedAt: at };
}

export function finishRelease(
  release: PaymentRelease,
  outcome: ReleaseOutcome | 'nothing-held',
  at: Instant,
): PaymentRelease {
  return { ...release, step: outcome === 'refused' ? 'void-refused' : 'released', updatedAt: at };
}

export const releaseGatewayKey = (release: PaymentRelease): IdempotencyKey =>
  (release.retries
    ? `${release.key}/release-retry-${String(release.retries)}`
    : `${release.key}/release`) as IdempotencyKey;

/** A supervisor voids a refused release again: back to requested, under a new gateway key. */
export function retryRelease(release: PaymentRelease, at: Instant): PaymentRelease {
  return { ...release, step: 'requested', retries: (release.retries ?? 0) + 1, updatedAt: at };
}
