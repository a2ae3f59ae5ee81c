import { describe, expect, it } from 'vitest';
import {
  MASTERCARD_4444,
  MINUTE,
  at,
  authId,
  commandId,
  newPayment,
  outcome,
} from '../test-support/fixtures';
import { asId, expectOk } from '../shared';
import { checkResolutionReason, escalationOf } from './escalation';
import type { Payment } from './payment.aggregate';

const SUP = asId('User', 'sup-1');
const KEY = asId('IdempotencyKey', 'desk-1:cancel-7');

/** A cancelled order whose hold the card company refused to release. */
function refusedRelease(): Payment {
  const p = newPayment();
  expectOk(p.requestRelease({ key: KEY, reason: 'customer-request', at: at(MINUTE) }));
  expectOk(p.applyReleaseOutcome('refused', at(2 * MINUTE)));
  return p;
}

function failedChange(refuseVoid: boolean): Payment {
  const p = newPayment();
  expectOk(
    p.requestMethodChange({
      commandId: commandId(),
      newMethod: MASTERCARD_4444,
      expectedVersion: p.version,
      at: at(MINUTE),
    }),
  );
  if (refuseVoid) expectOk(p.applyGatewayOutcome({ type: 'old-void-refused' }, at(2 * MINUTE)));
  else {
    expectOk(p.applyGatewayOutcome({ type: 'old-voided' }, at(2 * MINUTE)));
    expectOk(
      p.applyGatewayOutcome(
        { type: 'new-declined', decline: 'insufficient-funds' },
        at(3 * MINUTE),
      ),
    );
    expectOk(p.applyGatewayOutcome({ type: 'old-restore-declined' }, at(4 * MINUTE)));
  }
  return p;
}

describe('payment escalations', () => {
  it('a healthy payment has none', () => {
    expect(newPayment().escalation).toBeNull();
  });

  it('a refused release may be voided again (new gateway key each time) or resolved', () => {
    const p = refusedRelease();
    expect(p.escalation).toEqual({
      kind: 'release-void-refused',
      since: at(2 * MINUTE),
      actions: ['retry-void', 'resolve'],
    });
    expect(outcome(p.retryVoid({ expectedVersion: p.version - 1, at: at(3 * MINUTE) }))).toBe(
      'PAYMENT.STALE_VERSION',
    );
    expectOk(p.retryVoid({ expectedVersion: p.version, at: at(3 * MINUTE) }));
    expect(p.escalation).toBeNull();
    expect(p.nextGatewayAction()).toEqual({
      kind: 'release',
      idempotencyKey: 'desk-1:cancel-7/release-retry-1',
      authorizationId: authId(),
    });
    expectOk(p.applyReleaseOutcome('refused', at(4 * MINUTE)));
    expect(p.escalation?.since).toBe(at(4 * MINUTE));
    expectOk(p.retryVoid({ expectedVersion: p.version, at: at(5 * MINUTE) }));
    expect(p.nextGatewayAction()?.idempotencyKey).toBe('desk-1:cancel-7/release-retry-2');
    expectOk(p.applyReleaseOutcome('voided', at(6 * MINUTE)));
    expect(p.toSnapshot().status).toBe('released');
    expect(p.escalation).toBeNull();
    expect(outcome(p.retryVoid({ expectedVersion: p.version, at: at(7 * MINUTE) }))).toBe(
      'ESCALATION.NONE_OPEN',
    );
  });

  it('resolving closes the open escalation with who, when and why; a later one is open again', () => {
    const p = refusedRelease();
    const v = p.version;
    expect(
      outcome(
        p.resolveEscalation({ expectedVersion: v, reason: 'ok', by: SUP, at: at(3 * MINUTE) }),
      ),
    ).toBe('ESCALATION.REASON_LENGTH');
    expectOk(
      p.resolveEscalation({
        expectedVersion: v,
        reason: '  Bank released it by hand.  ',
        by: SUP,
        at: at(3 * MINUTE),
      }),
    );
    expect(p.escalation).toBeNull();
    expect(p.toSnapshot().resolution).toEqual({
      reason: 'Bank released it by hand.',
      by: SUP,
      at: at(3 * MINUTE),
      kind: 'release-void-refused',
      since: at(2 * MINUTE),
    });
    expect(
      outcome(
        p.resolveEscalation({
          expectedVersion: p.version,
          reason: 'Again, please.',
          by: SUP,
          at: at(4 * MINUTE),
        }),
      ),
    ).toBe('ESCALATION.NONE_OPEN');
  });

  it('a change whose old hold was not voided, or whose restore failed, can only be resolved', () => {
    const refused = failedChange(true);
    expect(refused.escalation?.kind).toBe('change-void-refused');
    expect(
      outcome(refused.retryVoid({ expectedVersion: refused.version, at: at(9 * MINUTE) })),
    ).toBe('ESCALATION.NOT_RETRYABLE');
    const restore = failedChange(false);
    expect(restore.escalation).toMatchObject({ kind: 'restore-failed', actions: ['resolve'] });
    expect(escalationOf(restore.toSnapshot())?.since).toBe(at(4 * MINUTE));
  });

  it('a resolution reason never holds card data', () => {
    expect(outcome(checkResolutionReason('card 4111 1111 1111 1111 was read out'))).toBe(
      'NOTE.CONTAINS_CARD_NUMBER',
    );
    expect(outcome(checkResolutionReason('customer gave cvv 123 by mistake'))).toBe(
      'NOTE.CONTAINS_CARD_SECURITY_CODE',
    );
    expect(outcome(checkResolutionReason('x'.repeat(501)))).toBe('ESCALATION.REASON_LENGTH');
    expect(checkResolutionReason('Called the customer back.')).toEqual({
      ok: true,
      value: 'Called the customer back.',
    });
  });
});
