import { describe, expect, it } from 'vitest';
import {
  MINUTE,
  MASTERCARD_4444,
  at,
  authId,
  commandId,
  newPayment,
  outcome,
} from '../test-support/fixtures';
import { asId, expectOk } from '../shared';
import type { ChangeInput } from './change-method.workflow';
import { Payment } from './payment.aggregate';
import { paymentIdForDelivery } from './payment-identity';

const CANCEL_KEY = asId('IdempotencyKey', 'desk-1:cancel-7');
const release = (p: Payment, t = at(MINUTE)) =>
  p.requestRelease({ key: CANCEL_KEY, reason: 'customer-request', at: t });

function changing(...inputs: ChangeInput[]): Payment {
  const p = newPayment();
  expectOk(
    p.requestMethodChange({
      commandId: commandId(),
      newMethod: MASTERCARD_4444,
      expectedVersion: p.version,
      at: at(MINUTE),
    }),
  );
  inputs.forEach((input, i) => expectOk(p.applyGatewayOutcome(input, at(2 * MINUTE + i))));
  return p;
}

describe('Payment release when its order is cancelled', () => {
  it('voids the hold once: requested → the gateway voids it under <cancel key>/release → released', () => {
    const p = newPayment();
    p.pullEvents();
    expectOk(release(p));
    expect(p.toSnapshot()).toMatchObject({
      status: 'authorized',
      authorizationId: 'auth-1',
      release: { step: 'requested', key: CANCEL_KEY },
      version: 2,
    });
    expect(p.gatewayWorkPending).toBe(true);
    expect(p.nextGatewayAction()).toEqual({
      kind: 'release',
      idempotencyKey: 'desk-1:cancel-7/release',
      authorizationId: 'auth-1',
    });
    expectOk(p.applyReleaseOutcome('voided', at(2 * MINUTE)));
    expect(p.toSnapshot()).toMatchObject({
      status: 'released',
      authorizationId: null,
      release: { step: 'released' },
      version: 3,
    });
    expect(p.gatewayWorkPending).toBe(false);
    expect(p.nextGatewayAction()).toBeNull();
    expect(p.pullEvents().map((e) => e.type)).toEqual([
      'PaymentReleaseRequested',
      'PaymentReleased',
    ]);
  });

  it('a repeated request changes nothing (the cancel command may be replayed)', () => {
    const p = newPayment();
    expectOk(release(p));
    const before = p.toSnapshot();
    p.pullEvents();
    expectOk(release(p, at(5 * MINUTE)));
    expect(p.toSnapshot()).toBe(before);
    expect(p.pullEvents()).toEqual([]);
  });

  it('a refused void keeps the hold and the status for a supervisor', () => {
    const p = newPayment();
    expectOk(release(p));
    expectOk(p.applyReleaseOutcome('refused', at(2 * MINUTE)));
    expect(p.toSnapshot()).toMatchObject({
      status: 'authorized',
      authorizationId: 'auth-1',
      release: { step: 'void-refused' },
    });
    expect(p.gatewayWorkPending).toBe(false);
    expect(p.pullEvents().at(-1)?.type).toBe('PaymentReleaseRefused');
  });

  it.each([
    ['no release was requested', () => newPayment()],
    [
      'the release already ended',
      () => {
        const p = newPayment();
        expectOk(release(p));
        expectOk(p.applyReleaseOutcome('voided', at(2 * MINUTE)));
        return p;
      },
    ],
    [
      'a method change is still running',
      () => {
        const p = changing();
        expectOk(release(p));
        return p;
      },
    ],
  ])('refuses a void outcome when %s', (_label, make) => {
    const p = make();
    const before = p.toSnapshot();
    expect(outcome(p.applyReleaseOutcome('voided', at(9 * MINUTE)))).toBe(
      'PAYMENT.NO_RELEASE_PENDING',
    );
    expect(p.toSnapshot()).toBe(before);
  });

  it('refuses to release a settled payment, and to settle or change a released one', () => {
    const settled = newPayment();
    expectOk(settled.settle(at(MINUTE)));
    expect(outcome(release(settled))).toBe('PAYMENT.ALREADY_SETTLED');

    const cancelled = newPayment();
    expectOk(release(cancelled));
    expect(outcome(cancelled.settle(at(2 * MINUTE)))).toBe('PAYMENT.RELEASED');
    const change = cancelled.requestMethodChange({
      commandId: commandId(9),
      newMethod: MASTERCARD_4444,
      expectedVersion: cancelled.version,
      at: at(2 * MINUTE),
    });
    expect(outcome(change)).toBe('PAYMENT.RELEASED');
    if (!change.ok) expect(change.error.message).toMatch(/cancelled.*nothing will be charged/);
  });

  it.each<[string, ChangeInput[], 'release' | 'none', string | null]>([
    // [where the change stands when the cancel arrives, its remaining answers, then…]
    [
      'completes with the new card',
      [{ type: 'old-voided' }, { type: 'new-approved', authorizationId: authId(2) }],
      'release',
      'auth-2',
    ],
    [
      'ends declined with the old hold restored',
      [
        { type: 'old-voided' },
        { type: 'new-declined', decline: 'do-not-honor' },
        { type: 'old-restored', authorizationId: authId(3) },
      ],
      'release',
      'auth-3',
    ],
    [
      'ends holding nothing (restore failed)',
      [
        { type: 'old-voided' },
        { type: 'new-declined', decline: 'do-not-honor' },
        { type: 'old-restore-declined' },
      ],
      'none',
      null,
    ],
  ])(
    'a cancel during a method change waits for it: the change %s',
    (_label, inputs, next, auth) => {
      const p = changing();
      expectOk(release(p));
      // The change's own call comes first.
      expect(p.nextGatewayAction()?.kind).toBe('void');
      inputs.forEach((input, i) => expectOk(p.applyGatewayOutcome(input, at(3 * MINUTE + i))));
      if (next === 'release') {
        expect(p.nextGatewayAction()).toEqual({
          kind: 'release',
          idempotencyKey: 'desk-1:cancel-7/release',
          authorizationId: auth,
        });
        expectOk(p.applyReleaseOutcome('voided', at(9 * MINUTE)));
      } else {
        expect(p.nextGatewayAction()).toBeNull();
      }
      expect(p.toSnapshot()).toMatchObject({ status: 'released', authorizationId: null });
    },
  );

  it('a payment that holds nothing is released at once', () => {
    const p = changing(
      { type: 'old-voided' },
      { type: 'new-declined', decline: 'do-not-honor' },
      { type: 'old-restore-declined' },
    );
    expectOk(release(p));
    expect(p.toSnapshot()).toMatchObject({ status: 'released', release: { step: 'released' } });
    expect(p.nextGatewayAction()).toBeNull();
  });

  it('reads release-free snapshots written before releases existed', () => {
    const { release: _omitted, ...old } = newPayment().toSnapshot();
    const p = Payment.fromSnapshot(old);
    expect(p.gatewayWorkPending).toBe(false);
    expectOk(release(p));
    expect(p.nextGatewayAction()?.kind).toBe('release');
  });
});

describe('paymentIdForDelivery', () => {
  it.each([
    ['del-000042', 'pay-000042'],
    ['del-x', 'pay-x'],
    ['order-7', 'pay-order-7'],
  ])('pays %s with %s', (delivery, payment) => {
    expect(paymentIdForDelivery(delivery)).toBe(payment);
  });
});
