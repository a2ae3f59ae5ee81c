import { err, findCardData, ok, type Instant, type Result, type UserId } from '../shared';
import type { EscalationKind, EscalationResolution, PaymentSnapshot } from './payment.types';

export type { EscalationKind, EscalationResolution } from './payment.types';

/**
 * A payment a supervisor must look at: the card company would not release a hold (a cancelled
 * order's, or the old one during a method change), or a failed change left the order with no
 * hold at all. Each stays open until a supervisor resolves it with a written reason or (release
 * only) a retried void succeeds.
 */
export interface Escalation {
  readonly kind: EscalationKind;
  /** When the payment reached the state (the failing gateway step's commit). */
  readonly since: Instant;
  /** What the domain allows: a new void attempt (release only), and resolving with a reason. */
  readonly actions: readonly ('retry-void' | 'resolve')[];
}

export const MIN_RESOLUTION_CHARS = 5;
export const MAX_RESOLUTION_CHARS = 500;

function failure(p: PaymentSnapshot): { kind: EscalationKind; since: Instant } | null {
  if (p.release?.step === 'void-refused')
    return { kind: 'release-void-refused', since: p.release.updatedAt };
  if (p.change?.step === 'failed-void-refused')
    return { kind: 'change-void-refused', since: p.change.updatedAt };
  if (p.change?.step === 'failed-restore' && p.status !== 'released' && p.status !== 'settled')
    return { kind: 'restore-failed', since: p.change.updatedAt };
  return null;
}

/** The open escalation of a payment, or null (none, or resolved). */
export function escalationOf(p: PaymentSnapshot): Escalation | null {
  const f = failure(p);
  if (!f) return null;
  const r = p.resolution;
  if (r && r.kind === f.kind && r.since === f.since) return null;
  return {
    ...f,
    actions: f.kind === 'release-void-refused' ? ['retry-void', 'resolve'] : ['resolve'],
  };
}

/** A resolution reason: written words, short, never card data (it is stored and replicated). */
export function checkResolutionReason(raw: string): Result<string> {
  const reason = raw.trim();
  if (reason.length < MIN_RESOLUTION_CHARS || reason.length > MAX_RESOLUTION_CHARS)
    return err(
      'ESCALATION.REASON_LENGTH',
      `Write what was done, in ${String(MIN_RESOLUTION_CHARS)} to ${String(MAX_RESOLUTION_CHARS)} characters.`,
    );
  const card = findCardData(reason);
  if (card)
    return err(
      card === 'card-number' ? 'NOTE.CONTAINS_CARD_NUMBER' : 'NOTE.CONTAINS_CARD_SECURITY_CODE',
      'A resolution must never contain card numbers or security codes; describe what was done instead.',
    );
  return ok(reason);
}

const NO_ESCALATION = err(
  'ESCALATION.NONE_OPEN',
  'This payment has no open escalation; someone may have resolved it already.',
);

/** Records a resolution of the open escalation. Pure: returns the patch for the aggregate. */
export function resolveEscalation(
  p: PaymentSnapshot,
  input: { reason: string; by: UserId; at: Instant },
): Result<{ resolution: EscalationResolution }> {
  const open = escalationOf(p);
  if (!open) return NO_ESCALATION;
  const reason = checkResolutionReason(input.reason);
  if (!reason.ok) return reason;
  return ok({
    resolution: {
      reason: reason.value,
      by: input.by,
      at: input.at,
      kind: open.kind,
      since: open.since,
    },
  });
}

/** Only a refused release can be voided again; the next attempt gets a new gateway key. */
export function retryReleaseVoid(p: PaymentSnapshot): Result<void> {
  const open = escalationOf(p);
  if (open?.kind !== 'release-void-refused')
    return open
      ? err(
          'ESCALATION.NOT_RETRYABLE',
          'Only a refused release of a cancelled order can be voided again; resolve this one with a reason.',
        )
      : NO_ESCALATION;
  if (p.authorizationId === null)
    return err('PAYMENT.NOT_AUTHORIZED', 'This order holds no authorization to void.');
  return ok(undefined);
}
