import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMEX_0005,
  EXPIRED_VISA,
  MASTERCARD_4444,
  MINUTE,
  NOW,
  ORDER_AMOUNT,
  VISA_4242,
  VISA_EXPIRING_THIS_MONTH,
  at,
  authId,
  commandId,
  customerId,
  deliveryId,
  failure,
  newPayment,
  outcome,
} from '../test-support/fixtures';
import {
  asId,
  expectOk,
  isExpiredAt,
  type Instant,
  type PaymentMethodRef,
  type Result,
} from '../shared';
import { isFinalStep, type ChangeInput, type ChangeStep } from './change-method.workflow';
import { DECLINE_MESSAGES, type DeclineCode } from './payment-gateway.port';
import { Payment, type PaymentSnapshot } from './payment.aggregate';

const T_REQUEST = at(MINUTE);

function request(
  p: Payment,
  newMethod: PaymentMethodRef = MASTERCARD_4444,
  cmd = commandId(),
  expectedVersion: number | undefined = p.version,
): ReturnType<Payment['requestMethodChange']> {
  return p.requestMethodChange({ commandId: cmd, newMethod, expectedVersion, at: T_REQUEST });
}

function feed(p: Payment, ...inputs: ChangeInput[]): void {
  inputs.forEach((input, i) => expectOk(p.applyGatewayOutcome(input, at(2 * MINUTE + i))));
}

/** Where a payment can stand (a change is never stored at new-authorized). */
type Where = Exclude<ChangeStep, 'new-authorized'> | 'no change' | 'settled';

/** A payment whose last (or running) change is at the given step, through public methods only. */
function paymentAt(where: Where): Payment {
  const p = newPayment();
  if (where === 'no change') return p;
  if (where === 'settled') {
    expectOk(p.settle(at(MINUTE)));
    return p;
  }
  expectOk(request(p));
  const path: Record<Exclude<Where, 'no change' | 'settled'>, ChangeInput[]> = {
    requested: [],
    'old-voided': [{ type: 'old-voided' }],
    completed: [{ type: 'old-voided' }, { type: 'new-approved', authorizationId: authId(2) }],
    'restoring-old': [{ type: 'old-voided' }, { type: 'new-declined', decline: 'do-not-honor' }],
    'failed-declined': [
      { type: 'old-voided' },
      { type: 'new-declined', decline: 'do-not-honor' },
      { type: 'old-restored', authorizationId: authId(3) },
    ],
    'failed-void-refused': [{ type: 'old-void-refused' }],
    'failed-restore': [
      { type: 'old-voided' },
      { type: 'new-declined', decline: 'do-not-honor' },
      { type: 'old-restore-declined' },
    ],
  };
  feed(p, ...path[where]);
  return p;
}

/** Runs a call and checks that a refusal changed nothing at all. */
function expectRefused(p: Payment, call: (p: Payment) => Result<unknown>, code: string): void {
  p.pullEvents();
  const before = p.toSnapshot();
  expect(outcome(call(p))).toBe(code);
  expect(p.toSnapshot()).toBe(before);
  expect(p.pullEvents()).toEqual([]);
}

describe('Payment.create', () => {
  it('starts authorized on its method at version 1 and records PaymentAuthorized', () => {
    const p = newPayment();
    expect(p.toSnapshot()).toEqual({
      id: 'pay-1',
      deliveryId: deliveryId(),
      customerId: customerId(),
      amount: ORDER_AMOUNT,
      method: VISA_4242,
      authorizationId: 'auth-1',
      status: 'authorized',
      change: null,
      release: null,
      version: 1,
      updatedAt: NOW,
    });
    expect([p.id, p.version, p.changeInProgress, p.lastDecline()]).toEqual([
      'pay-1',
      1,
      false,
      null,
    ]);
    expect(p.pullEvents()).toEqual([
      {
        type: 'PaymentAuthorized',
        version: 1,
        aggregateId: 'pay-1',
        aggregateVersion: 1,
        occurredAt: NOW,
        data: { authorizationId: 'auth-1', method: VISA_4242 },
      },
    ]);
  });

  it.each([0, -100])('refuses an amount of %d minor units', (minor) => {
    const result = Payment.create(
      {
        id: asId('Payment', 'pay-1'),
        deliveryId: deliveryId(),
        customerId: customerId(),
        amount: { minor, currency: 'EUR' },
        method: VISA_4242,
        authorizationId: authId(1),
      },
      NOW,
    );
    expect(outcome(result)).toBe('PAYMENT.INVALID_AMOUNT');
  });

  it('round-trips through toSnapshot/fromSnapshot', () => {
    const snap = paymentAt('restoring-old').toSnapshot();
    const restored = Payment.fromSnapshot(snap);
    expect(restored.toSnapshot()).toEqual(snap);
    expect(restored.changeInProgress).toBe(true);
    expect(restored.pullEvents()).toEqual([]);
  });
});

describe('Payment.requestMethodChange', () => {
  it('starts a change: version 2, change "requested", event recorded; the old hold stays until voided', () => {
    const p = newPayment();
    p.pullEvents();
    const change = expectOk(request(p));
    expect(change).toMatchObject({
      commandId: 'cmd-1',
      step: 'requested',
      previousMethod: VISA_4242,
      previousAuthorizationId: 'auth-1',
      newMethod: MASTERCARD_4444,
      requestedAt: T_REQUEST,
    });
    expect(p.toSnapshot()).toMatchObject({
      version: 2,
      status: 'authorized',
      authorizationId: 'auth-1',
      method: VISA_4242,
      change,
      updatedAt: T_REQUEST,
    });
    expect(p.changeInProgress).toBe(true);
    expect(p.pullEvents()).toEqual([
      {
        type: 'PaymentMethodChangeRequested',
        version: 1,
        aggregateId: 'pay-1',
        aggregateVersion: 2,
        occurredAt: T_REQUEST,
        data: { commandId: 'cmd-1', newMethod: MASTERCARD_4444 },
      },
    ]);
  });

  it('skips the version check when the command names no version', () => {
    expect(outcome(request(newPayment(), MASTERCARD_4444, commandId(), undefined))).toBe('ok');
  });

  it('accepts a card that expires at the end of the current month', () => {
    expect(outcome(request(newPayment(), VISA_EXPIRING_THIS_MONTH))).toBe('ok');
  });

  const SAME_TOKEN_NEW_EXPIRY: PaymentMethodRef = {
    ...VISA_4242,
    expiry: { month: 1, year: 2030 },
  };
  const EXPIRED_SAME_TOKEN: PaymentMethodRef = { ...EXPIRED_VISA, token: VISA_4242.token };

  it.each([
    ['the payment is settled', 'settled', MASTERCARD_4444, 'current', 'PAYMENT.ALREADY_SETTLED'],
    ['the agent saw an older version', 'no change', MASTERCARD_4444, 0, 'PAYMENT.STALE_VERSION'],
    ['the agent names a future version', 'no change', MASTERCARD_4444, 2, 'PAYMENT.STALE_VERSION'],
    [
      'a change was just requested',
      'requested',
      AMEX_0005,
      'current',
      'PAYMENT.CHANGE_IN_PROGRESS',
    ],
    ['the old hold is voided', 'old-voided', AMEX_0005, 'current', 'PAYMENT.CHANGE_IN_PROGRESS'],
    [
      'the old card is being restored',
      'restoring-old',
      AMEX_0005,
      'current',
      'PAYMENT.CHANGE_IN_PROGRESS',
    ],
    ['the new card is expired', 'no change', EXPIRED_VISA, 'current', 'PAYMENT.METHOD_EXPIRED'],
    ['it is the method in force', 'no change', VISA_4242, 'current', 'PAYMENT.SAME_METHOD'],
    [
      'it is the same token with other details',
      'no change',
      SAME_TOKEN_NEW_EXPIRY,
      'current',
      'PAYMENT.SAME_METHOD',
    ],
    [
      'the last restore failed (no hold)',
      'failed-restore',
      AMEX_0005,
      'current',
      'PAYMENT.NOT_AUTHORIZED',
    ],
    // Order of the checks:
    ['settled and stale: settled first', 'settled', MASTERCARD_4444, 0, 'PAYMENT.ALREADY_SETTLED'],
    ['stale and in progress: stale first', 'requested', AMEX_0005, 1, 'PAYMENT.STALE_VERSION'],
    [
      'in progress and expired: in progress first',
      'old-voided',
      EXPIRED_VISA,
      'current',
      'PAYMENT.CHANGE_IN_PROGRESS',
    ],
    [
      'expired and same token: expired first',
      'no change',
      EXPIRED_SAME_TOKEN,
      'current',
      'PAYMENT.METHOD_EXPIRED',
    ],
    [
      'same method and no hold: same first',
      'failed-restore',
      VISA_4242,
      'current',
      'PAYMENT.SAME_METHOD',
    ],
  ] as const)('is refused when %s', (_label, where, method, version, code) => {
    const p = paymentAt(where);
    const expectedVersion = version === 'current' ? p.version : version;
    expectRefused(p, (q) => request(q, method, commandId(2), expectedVersion), code);
  });

  it('explains each refusal in plain words', () => {
    expect(failure(request(paymentAt('settled'))).message).toBe(
      'This order has already been charged, so its payment method can no longer be changed.',
    );
    expect(failure(request(newPayment(), MASTERCARD_4444, commandId(), 5)).message).toMatch(
      /changed by someone else/,
    );
    expect(failure(request(newPayment(), EXPIRED_VISA)).message).toBe(
      'That card has expired; please choose another payment method.',
    );
  });

  it.each(['completed', 'failed-declined', 'failed-void-refused'] as const)(
    'allows a new change once the last one ended %s',
    (where) => {
      const p = paymentAt(where);
      const next = p.toSnapshot().method.token === AMEX_0005.token ? VISA_4242 : AMEX_0005;
      expect(outcome(request(p, next, commandId(2)))).toBe('ok');
      expect(p.toSnapshot().change?.commandId).toBe('cmd-2');
    },
  );
});

describe('Payment change: happy path (void old → authorize new → completed)', () => {
  it('switches the method once the new card is authorized', () => {
    const p = newPayment();
    expectOk(request(p));
    p.pullEvents();

    expect(p.nextGatewayAction()).toEqual({
      kind: 'void',
      idempotencyKey: 'cmd-1/void-old',
      authorizationId: 'auth-1',
    });
    expect(expectOk(p.applyGatewayOutcome({ type: 'old-voided' }, at(2 * MINUTE))).step).toBe(
      'old-voided',
    );
    expect(p.toSnapshot()).toMatchObject({
      status: 'unauthorized',
      authorizationId: null,
      method: VISA_4242,
      version: 3,
    });

    expect(p.nextGatewayAction()).toEqual({
      kind: 'authorize-new',
      idempotencyKey: 'cmd-1/authorize-new',
      method: MASTERCARD_4444,
    });
    const done = expectOk(
      p.applyGatewayOutcome({ type: 'new-approved', authorizationId: authId(2) }, at(3 * MINUTE)),
    );
    expect(done).toMatchObject({ step: 'completed', newAuthorizationId: 'auth-2' });
    expect(p.toSnapshot()).toMatchObject({
      status: 'authorized',
      authorizationId: 'auth-2',
      method: MASTERCARD_4444,
      version: 4,
      change: done,
    });
    expect(p.changeInProgress).toBe(false);
    expect(p.nextGatewayAction()).toBeNull();
    expect(p.lastDecline()).toBeNull();
    expect(p.pullEvents()).toEqual([
      {
        type: 'PaymentMethodChanged',
        version: 1,
        aggregateId: 'pay-1',
        aggregateVersion: 4,
        occurredAt: at(3 * MINUTE),
        data: { commandId: 'cmd-1', method: MASTERCARD_4444 },
      },
    ]);
  });
});

describe('Payment change: decline path (void old → new declined → restore old)', () => {
  it.each(Object.keys(DECLINE_MESSAGES) as DeclineCode[])(
    'a %s decline restores the old card and says why',
    (decline) => {
      const p = newPayment();
      expectOk(request(p));
      feed(p, { type: 'old-voided' });
      p.pullEvents();

      expectOk(p.applyGatewayOutcome({ type: 'new-declined', decline }, at(3 * MINUTE)));
      expect(p.toSnapshot()).toMatchObject({
        status: 'unauthorized',
        authorizationId: null,
        method: VISA_4242,
      });
      expect(p.changeInProgress).toBe(true);
      expect(p.lastDecline()).toBe(decline);
      expect(p.nextGatewayAction()).toEqual({
        kind: 'restore-old',
        idempotencyKey: 'cmd-1/restore-old',
        method: VISA_4242,
      });
      expect(p.pullEvents()).toEqual([]); // mid-process, nothing final to announce yet

      const final = expectOk(
        p.applyGatewayOutcome({ type: 'old-restored', authorizationId: authId(3) }, at(4 * MINUTE)),
      );
      expect(final.step).toBe('failed-declined');
      expect(p.toSnapshot()).toMatchObject({
        status: 'authorized',
        authorizationId: 'auth-3',
        method: VISA_4242,
        version: 5,
      });
      expect(p.changeInProgress).toBe(false);
      const events = p.pullEvents();
      expect(events.map((e) => [e.type, e.aggregateVersion])).toEqual([
        ['PaymentMethodChangeFailed', 5],
      ]);
      expect(events[0]?.data).toEqual({
        commandId: 'cmd-1',
        code: 'PAYMENT.DECLINED',
        message: `${DECLINE_MESSAGES[decline]} The original payment method stays in place.`,
        methodInForce: VISA_4242,
      });
    },
  );

  it('the settled amount is unaffected and the old card can be charged afterwards', () => {
    const p = paymentAt('failed-declined');
    expect(outcome(p.settle(at(10 * MINUTE)))).toBe('ok');
    expect(p.toSnapshot()).toMatchObject({ status: 'settled', authorizationId: 'auth-3' });
  });
});

describe('Payment change: void refused', () => {
  it('keeps the old card and hold in force and reports PAYMENT.VOID_REFUSED', () => {
    const p = newPayment();
    expectOk(request(p));
    p.pullEvents();
    const final = expectOk(p.applyGatewayOutcome({ type: 'old-void-refused' }, at(2 * MINUTE)));
    expect(final.step).toBe('failed-void-refused');
    expect(p.toSnapshot()).toMatchObject({
      status: 'authorized',
      authorizationId: 'auth-1',
      method: VISA_4242,
      version: 3,
    });
    expect(p.nextGatewayAction()).toBeNull();
    expect(p.pullEvents().map((e) => e.data)).toEqual([
      {
        commandId: 'cmd-1',
        code: 'PAYMENT.VOID_REFUSED',
        message:
          'The card company would not release the original hold, so the payment method was not changed.',
        methodInForce: VISA_4242,
      },
    ]);
  });
});

describe('Payment change: restore failed', () => {
  it('leaves the payment unauthorized on the old method, for a supervisor', () => {
    const p = newPayment();
    expectOk(request(p));
    feed(p, { type: 'old-voided' }, { type: 'new-declined', decline: 'suspected-fraud' });
    p.pullEvents();
    const final = expectOk(p.applyGatewayOutcome({ type: 'old-restore-declined' }, at(5 * MINUTE)));
    expect(final.step).toBe('failed-restore');
    expect(p.toSnapshot()).toMatchObject({
      status: 'unauthorized',
      authorizationId: null,
      method: VISA_4242,
    });
    expect(p.changeInProgress).toBe(false);
    expect(p.lastDecline()).toBe('suspected-fraud');
    expect(p.pullEvents().map((e) => e.data)).toEqual([
      {
        commandId: 'cmd-1',
        code: 'PAYMENT.RESTORE_FAILED',
        message:
          'The new card was declined and the original card could not be re-authorized; a supervisor must contact the customer.',
        methodInForce: null,
      },
    ]);
    expectRefused(p, (q) => q.settle(at(6 * MINUTE)), 'PAYMENT.NOT_SETTLEABLE');
  });
});

describe('Payment.nextGatewayAction', () => {
  it.each([
    ['no change', null],
    ['settled', null],
    ['requested', { kind: 'void', idempotencyKey: 'cmd-1/void-old', authorizationId: 'auth-1' }],
    [
      'old-voided',
      { kind: 'authorize-new', idempotencyKey: 'cmd-1/authorize-new', method: MASTERCARD_4444 },
    ],
    [
      'restoring-old',
      { kind: 'restore-old', idempotencyKey: 'cmd-1/restore-old', method: VISA_4242 },
    ],
    ['completed', null],
    ['failed-declined', null],
    ['failed-void-refused', null],
    ['failed-restore', null],
  ] as const)('at %s', (where, expected) => {
    const p = paymentAt(where);
    expect(p.nextGatewayAction()).toEqual(expected);
    // Asked again (a retry, or after a restart from the stored snapshot): the very same key.
    expect(p.nextGatewayAction()).toEqual(expected);
    expect(Payment.fromSnapshot(p.toSnapshot()).nextGatewayAction()).toEqual(expected);
  });

  it('a stored change at new-authorized needs no further gateway call', () => {
    const p = paymentAt('old-voided');
    const snap = p.toSnapshot();
    const change = snap.change;
    if (change === null) throw new Error('no change');
    const atNewAuthorized: PaymentSnapshot = {
      ...snap,
      change: { ...change, step: 'new-authorized', newAuthorizationId: authId(2) },
    };
    expect(Payment.fromSnapshot(atNewAuthorized).nextGatewayAction()).toBeNull();
  });

  it('keys are distinct per step and per command', () => {
    const keys = new Set<string>();
    for (const cmd of ['a', 'b']) {
      const p = newPayment();
      expectOk(request(p, MASTERCARD_4444, commandId(cmd)));
      keys.add(p.nextGatewayAction()?.idempotencyKey ?? '');
      feed(p, { type: 'old-voided' });
      keys.add(p.nextGatewayAction()?.idempotencyKey ?? '');
      feed(p, { type: 'new-declined', decline: 'card-expired' });
      keys.add(p.nextGatewayAction()?.idempotencyKey ?? '');
    }
    expect(keys.size).toBe(6);
    expect([...keys].every((k) => k.startsWith('cmd-a/') || k.startsWith('cmd-b/'))).toBe(true);
  });
});

describe('Payment.applyGatewayOutcome refusals', () => {
  it.each([
    'no change',
    'settled',
    'completed',
    'failed-declined',
    'failed-void-refused',
    'failed-restore',
  ] as const)('with no change running (%s): PAYMENT.NO_CHANGE_IN_PROGRESS', (where) => {
    expectRefused(
      paymentAt(where),
      (p) => p.applyGatewayOutcome({ type: 'old-voided' }, NOW),
      'PAYMENT.NO_CHANGE_IN_PROGRESS',
    );
  });

  it.each([
    ['requested', { type: 'new-approved', authorizationId: authId(9) }],
    ['requested', { type: 'completed' }],
    ['old-voided', { type: 'old-voided' }],
    ['old-voided', { type: 'completed' }],
    ['restoring-old', { type: 'new-approved', authorizationId: authId(9) }],
    ['restoring-old', { type: 'completed' }],
  ] as const)('at %s, an out-of-order %o is refused and changes nothing', (where, input) => {
    expectRefused(
      paymentAt(where),
      (p) => p.applyGatewayOutcome(input, NOW),
      'PAYMENT.INVALID_CHANGE_TRANSITION',
    );
  });
});

describe('Payment.settle', () => {
  it('captures an authorized payment, keeping its authorization, and records PaymentSettled', () => {
    const p = newPayment();
    p.pullEvents();
    expect(outcome(p.settle(at(MINUTE)))).toBe('ok');
    expect(p.toSnapshot()).toMatchObject({
      status: 'settled',
      authorizationId: 'auth-1',
      version: 2,
    });
    expect(p.pullEvents().map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['PaymentSettled', 2, { amount: ORDER_AMOUNT }],
    ]);
  });

  it.each([
    ['settled', 'PAYMENT.ALREADY_SETTLED'],
    ['requested', 'PAYMENT.NOT_SETTLEABLE'],
    ['old-voided', 'PAYMENT.NOT_SETTLEABLE'],
    ['restoring-old', 'PAYMENT.NOT_SETTLEABLE'],
    ['failed-restore', 'PAYMENT.NOT_SETTLEABLE'],
    ['completed', 'ok'],
    ['failed-declined', 'ok'],
    ['failed-void-refused', 'ok'],
  ] as const)('at %s → %s', (where, expected) => {
    const p = paymentAt(where);
    if (expected === 'ok') {
      expect(outcome(p.settle(at(10 * MINUTE)))).toBe('ok');
      expect(p.toSnapshot().status).toBe('settled');
    } else {
      expectRefused(p, (q) => q.settle(at(10 * MINUTE)), expected);
    }
  });
});

// ------------------------------------------------------------------ property

type Command =
  | {
      readonly kind: 'request';
      readonly method: PaymentMethodRef;
      readonly version: 'current' | 'none' | number;
    }
  | { readonly kind: 'outcome'; readonly input: ChangeInput }
  /** A plausible gateway answer for the step the change is at (drives runs deep into the process). */
  | { readonly kind: 'answer'; readonly good: boolean; readonly input: ChangeInput }
  | { readonly kind: 'settle' }
  | { readonly kind: 'release' }
  | { readonly kind: 'release-answer'; readonly good: boolean };

const DECLINES = Object.keys(DECLINE_MESSAGES) as DeclineCode[];
const authArb = fc.nat({ max: 50 }).map((n) => authId(`g${n}`));
const inputArb: fc.Arbitrary<ChangeInput> = fc.oneof(
  fc.constant({ type: 'old-voided' } as const),
  fc.constant({ type: 'old-void-refused' } as const),
  authArb.map((authorizationId) => ({ type: 'new-approved' as const, authorizationId })),
  fc.constantFrom(...DECLINES).map((decline) => ({ type: 'new-declined' as const, decline })),
  fc.constant({ type: 'completed' } as const),
  authArb.map((authorizationId) => ({ type: 'old-restored' as const, authorizationId })),
  fc.constant({ type: 'old-restore-declined' } as const),
);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      method: fc.constantFrom(
        VISA_4242,
        MASTERCARD_4444,
        AMEX_0005,
        EXPIRED_VISA,
        VISA_EXPIRING_THIS_MONTH,
      ),
      version: fc.oneof(
        { arbitrary: fc.constant('current' as const), weight: 4 },
        fc.constant('none' as const),
        fc.integer({ min: 0, max: 12 }),
      ),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('outcome' as const), input: inputArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      good: fc.boolean(),
      input: inputArb,
    }),
    weight: 5,
  },
  fc.record({ kind: fc.constant('settle' as const) }),
  fc.record({ kind: fc.constant('release' as const) }),
  {
    arbitrary: fc.record({ kind: fc.constant('release-answer' as const), good: fc.boolean() }),
    weight: 2,
  },
);

/** The gateway's good or bad answer to the call the change is waiting for. */
function answerFor(step: ChangeStep | undefined, good: boolean, random: ChangeInput): ChangeInput {
  const auth = 'authorizationId' in random ? random.authorizationId : authId('gw');
  const decline = 'decline' in random ? random.decline : 'do-not-honor';
  switch (step) {
    case 'requested':
      return good ? { type: 'old-voided' } : { type: 'old-void-refused' };
    case 'old-voided':
      return good
        ? { type: 'new-approved', authorizationId: auth }
        : { type: 'new-declined', decline };
    case 'restoring-old':
      return good
        ? { type: 'old-restored', authorizationId: auth }
        : { type: 'old-restore-declined' };
    case 'new-authorized':
    case 'completed':
    case 'failed-declined':
    case 'failed-void-refused':
    case 'failed-restore':
    case undefined:
      return random; // nothing awaited: whatever arrives is out of order
  }
}

/** What requestMethodChange should answer, straight from its documented rules. */
function expectedRequestOutcome(
  s: PaymentSnapshot,
  c: Extract<Command, { kind: 'request' }>,
  now: Instant,
): string {
  if (s.status === 'settled') return 'PAYMENT.ALREADY_SETTLED';
  if (s.release) return 'PAYMENT.RELEASED';
  if (typeof c.version === 'number' && c.version !== s.version) return 'PAYMENT.STALE_VERSION';
  if (s.change !== null && !isFinalStep(s.change.step)) return 'PAYMENT.CHANGE_IN_PROGRESS';
  if (isExpiredAt(c.method, now)) return 'PAYMENT.METHOD_EXPIRED';
  if (c.method.token === s.method.token) return 'PAYMENT.SAME_METHOD';
  if (s.authorizationId === null) return 'PAYMENT.NOT_AUTHORIZED';
  return 'ok';
}

function checkInvariants(p: Payment): void {
  const s = p.toSnapshot();
  const c = s.change;
  // Authorized exactly when a hold exists; a settled payment keeps the hold it captured.
  if (s.status === 'settled') expect(s.authorizationId).not.toBeNull();
  else expect(s.status === 'authorized').toBe(s.authorizationId !== null);
  // At most one change, and it is "in progress" exactly when not final.
  expect(p.changeInProgress).toBe(c !== null && !isFinalStep(c.step));
  // Gateway work: the change first; a release waits for it and needs a hold to void.
  const releaseWaits = s.release?.step === 'requested' && s.authorizationId !== null;
  expect(p.nextGatewayAction() !== null).toBe(p.changeInProgress || releaseWaits);
  if (p.changeInProgress) expect(p.nextGatewayAction()?.kind).not.toBe('release');
  // Released exactly when a release finished without a refusal; it holds nothing and is never charged.
  expect(s.status === 'released').toBe(s.release?.step === 'released');
  if (s.release) expect(s.status).not.toBe('settled');
  if (c === null) {
    expect(s.method).toEqual(VISA_4242);
    return;
  }
  if (s.status === 'settled') expect(p.changeInProgress).toBe(false);
  switch (c.step) {
    case 'requested':
      expect(s).toMatchObject({ status: 'authorized', authorizationId: c.previousAuthorizationId });
      expect(s.method).toBe(c.previousMethod);
      break;
    case 'old-voided':
    case 'restoring-old':
    case 'failed-restore':
      expect(s.authorizationId).toBeNull();
      expect(['unauthorized', 'released']).toContain(s.status);
      if (s.status === 'released') expect(c.step).toBe('failed-restore');
      expect(s.method).toBe(c.previousMethod);
      break;
    case 'new-authorized':
      throw new Error('new-authorized must never be stored: approval completes the change');
    case 'completed':
      expect(s.method).toBe(c.newMethod);
      if (s.status !== 'released') expect(s.authorizationId).toBe(c.newAuthorizationId);
      expect(['authorized', 'settled', 'released']).toContain(s.status);
      break;
    case 'failed-declined':
      expect(s.method).toBe(c.previousMethod);
      if (s.status !== 'released') expect(s.authorizationId).toBe(c.restoredAuthorizationId);
      expect(['authorized', 'settled', 'released']).toContain(s.status);
      break;
    case 'failed-void-refused':
      expect(s.method).toBe(c.previousMethod);
      if (s.status !== 'released') expect(s.authorizationId).toBe(c.previousAuthorizationId);
      expect(['authorized', 'settled', 'released']).toContain(s.status);
      break;
  }
}

describe('Payment invariants under random command sequences (property)', () => {
  it('never reaches an invalid state; versions rise on success and stand still on failure', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 30 }), (commands) => {
        const p = newPayment();
        p.pullEvents();
        commands.forEach((command, i) => {
          const t = at(MINUTE * (i + 1));
          const before = p.toSnapshot();
          let result: Result<unknown>;
          if (command.kind === 'request') {
            const expectedVersion =
              command.version === 'current'
                ? before.version
                : command.version === 'none'
                  ? undefined
                  : command.version;
            result = p.requestMethodChange({
              commandId: commandId(i),
              newMethod: command.method,
              expectedVersion,
              at: t,
            });
            expect(outcome(result)).toBe(expectedRequestOutcome(before, command, t));
          } else if (command.kind === 'outcome') {
            result = p.applyGatewayOutcome(command.input, t);
          } else if (command.kind === 'answer') {
            const input = answerFor(before.change?.step, command.good, command.input);
            result = p.applyGatewayOutcome(input, t);
          } else if (command.kind === 'release') {
            result = p.requestRelease({
              key: asId('IdempotencyKey', `cancel-${i}`),
              reason: 'customer-request',
              at: t,
            });
            expect(result.ok).toBe(before.status !== 'settled');
          } else if (command.kind === 'release-answer') {
            const waiting =
              before.release?.step === 'requested' &&
              before.authorizationId !== null &&
              !Payment.fromSnapshot(before).changeInProgress;
            result = p.applyReleaseOutcome(command.good ? 'voided' : 'refused', t);
            expect(result.ok).toBe(waiting);
            if (waiting) expect(p.nextGatewayAction()).toBeNull();
          } else {
            result = p.settle(t);
          }
          const events = p.pullEvents();
          if (result.ok) {
            const steps = p.version - before.version;
            if (command.kind === 'release') {
              // Nothing for a repeat; two steps when nothing is held and it ends at once.
              expect([0, 1, 2]).toContain(steps);
            } else if (
              before.release &&
              (command.kind === 'answer' || command.kind === 'outcome')
            ) {
              // An answer that ends a change may also finish the release waiting for it.
              expect([1, 2]).toContain(steps);
            } else {
              expect(steps).toBe(1);
            }
            for (const e of events) {
              expect(e.aggregateVersion).toBeGreaterThan(before.version);
              expect(e.aggregateVersion).toBeLessThanOrEqual(p.version);
            }
          } else {
            expect(p.toSnapshot()).toBe(before);
            expect(events).toEqual([]);
          }
          checkInvariants(p);
        });
      }),
      { numRuns: 300 },
    );
  });
});
