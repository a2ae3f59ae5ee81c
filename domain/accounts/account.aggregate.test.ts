import { describe, expect, it } from 'vitest';
import {
  AMEX_0005,
  EXPIRED_VISA,
  MASTERCARD_4444,
  NOW,
  SAMPLE_ACCOUNT,
  SAMPLE_ADDRESS,
  VISA_4242,
  VISA_EXPIRING_THIS_MONTH,
  at,
  failure,
  outcome,
} from '../test-support/fixtures';
import { expectOk, parseGatewayToken, paymentMethodRef, type PaymentMethodRef } from '../shared';
import { Account, MAX_METHODS_ON_FILE } from './account.aggregate';

const open = (patch: Partial<typeof SAMPLE_ACCOUNT> = {}) =>
  Account.open({ ...SAMPLE_ACCOUNT, ...patch }, NOW);

const account = (): Account => expectOk(open());

const card = (n: number): PaymentMethodRef =>
  expectOk(
    paymentMethodRef({
      token: `pm_card${String(n).padStart(4, '0')}x`,
      brand: 'visa',
      last4: String(n).padStart(4, '0'),
      expMonth: 1,
      expYear: 2030,
    }),
  );

describe('Account.open', () => {
  it('opens an account with no payment methods at version 1 and records AccountOpened', () => {
    const a = account();
    expect(a.id).toBe('cust-1');
    expect(a.toSnapshot()).toEqual({ ...SAMPLE_ACCOUNT, paymentMethods: [], version: 1 });
    expect(a.pullEvents()).toEqual([
      {
        type: 'AccountOpened',
        version: 1,
        aggregateId: 'cust-1',
        aggregateVersion: 1,
        occurredAt: NOW,
        data: { name: 'Ada Lovelace' },
      },
    ]);
  });

  it('trims the name', () => {
    const a = expectOk(open({ name: '  Grace Hopper \n' }));
    expect(a.toSnapshot().name).toBe('Grace Hopper');
    expect(a.pullEvents()[0]?.data).toEqual({ name: 'Grace Hopper' });
  });

  it.each([
    ['a one-letter name', { name: 'Q' }],
    ['a 120-character name', { name: 'n'.repeat(120) }],
    ['the shortest E.164 number', { phone: '+1234567' }],
    ['the longest E.164 number', { phone: '+123456789012345' }],
    ['a plus-addressed email', { email: 'ada+orders@mail.example.co.uk' }],
  ])('accepts %s', (_label, patch) => {
    expect(outcome(open(patch))).toBe('ok');
  });

  it.each([
    ['an empty name', { name: '' }, 'ACCOUNT.INVALID_NAME'],
    ['a blank name', { name: '   ' }, 'ACCOUNT.INVALID_NAME'],
    ['a 121-character name', { name: 'n'.repeat(121) }, 'ACCOUNT.INVALID_NAME'],
    ['a phone without +', { phone: '4930123456' }, 'ACCOUNT.INVALID_PHONE'],
    ['a national phone number', { phone: '030123456' }, 'ACCOUNT.INVALID_PHONE'],
    ['a phone with spaces', { phone: '+49 30 123456' }, 'ACCOUNT.INVALID_PHONE'],
    ['a phone with dashes', { phone: '+49-30-123456' }, 'ACCOUNT.INVALID_PHONE'],
    ['a phone starting +0', { phone: '+0301234567' }, 'ACCOUNT.INVALID_PHONE'],
    ['a phone that is too short', { phone: '+123456' }, 'ACCOUNT.INVALID_PHONE'],
    ['a phone that is too long', { phone: '+1234567890123456' }, 'ACCOUNT.INVALID_PHONE'],
    ['an email without @', { email: 'ada.example.com' }, 'ACCOUNT.INVALID_EMAIL'],
    ['an email without a domain dot', { email: 'ada@localhost' }, 'ACCOUNT.INVALID_EMAIL'],
    ['an email with a space', { email: 'ada lovelace@example.com' }, 'ACCOUNT.INVALID_EMAIL'],
    ['an email with a numeric TLD', { email: 'ada@example.123' }, 'ACCOUNT.INVALID_EMAIL'],
    ['an email with two @', { email: 'ada@home@example.com' }, 'ACCOUNT.INVALID_EMAIL'],
    [
      'a name and a phone that are both bad (name first)',
      { name: '', phone: 'x' },
      'ACCOUNT.INVALID_NAME',
    ],
    [
      'a phone and an email that are both bad (phone first)',
      { phone: 'x', email: 'y' },
      'ACCOUNT.INVALID_PHONE',
    ],
  ])('refuses %s', (_label, patch, code) => {
    expect(outcome(open(patch))).toBe(code);
  });

  it('explains the phone format', () => {
    expect(failure(open({ phone: '030 123456' })).message).toBe(
      'The phone number must be in international format, like +4930123456.',
    );
  });

  const PAN = '4111 1111 1111 1111';
  it.each([
    ['the name', { name: `Ada ${PAN}` }],
    ['the email', { email: `${PAN.replace(/ /g, '')}@example.com` }],
    ['address line 1', { address: { ...SAMPLE_ADDRESS, line1: `Karl-Marx-Allee 1, card ${PAN}` } }],
    ['the city', { address: { ...SAMPLE_ADDRESS, city: `Berlin ${PAN}` } }],
    ['the postcode', { address: { ...SAMPLE_ADDRESS, postcode: '4111-1111-1111-1111' } }],
    ['the country', { address: { ...SAMPLE_ADDRESS, country: `DE ${PAN}` } }],
  ])('refuses a card number written into %s', (_label, patch) => {
    const error = failure(open(patch));
    expect(error.code).toBe('ACCOUNT.CARD_NUMBER_IN_TEXT');
    expect(error.message).not.toContain('4111');
  });

  it('accepts house numbers, postcodes and phone numbers that are not card numbers', () => {
    const address = {
      ...SAMPLE_ADDRESS,
      line1: 'Hauptstr. 123, Hinterhaus 4. OG',
      postcode: '10115',
    };
    expect(outcome(open({ address, phone: '+4915123456789' }))).toBe('ok');
  });
});

describe('Account payment methods', () => {
  it('adds a method (version +1, PaymentMethodAdded) and finds it on file', () => {
    const a = account();
    a.pullEvents();
    expect(outcome(a.addPaymentMethod(VISA_4242, at(1)))).toBe('ok');
    expect(a.toSnapshot()).toMatchObject({ paymentMethods: [VISA_4242], version: 2 });
    expect(a.pullEvents().map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['PaymentMethodAdded', 2, { method: VISA_4242 }],
    ]);
    expect(a.methodOnFile(VISA_4242.token)).toEqual({ ok: true, value: VISA_4242 });
  });

  it('keeps methods in the order they were added', () => {
    const a = account();
    for (const m of [VISA_4242, MASTERCARD_4444, AMEX_0005]) expectOk(a.addPaymentMethod(m, NOW));
    expect(a.toSnapshot().paymentMethods.map((m) => m.last4)).toEqual(['4242', '4444', '0005']);
  });

  it('refuses a token that is already on file, even with other card details', () => {
    const a = account();
    expectOk(a.addPaymentMethod(VISA_4242, NOW));
    const sameToken = { ...MASTERCARD_4444, token: VISA_4242.token };
    expect(outcome(a.addPaymentMethod(sameToken, NOW))).toBe('ACCOUNT.METHOD_ALREADY_ON_FILE');
    expect(a.toSnapshot()).toMatchObject({ paymentMethods: [VISA_4242], version: 2 });
  });

  it('refuses an expired card but accepts one that expires this month', () => {
    const a = account();
    expect(failure(a.addPaymentMethod(EXPIRED_VISA, NOW))).toEqual({
      code: 'ACCOUNT.METHOD_EXPIRED',
      message: 'That card has expired and cannot be added.',
    });
    expect(outcome(a.addPaymentMethod(VISA_EXPIRING_THIS_MONTH, NOW))).toBe('ok');
  });

  it(`allows at most ${MAX_METHODS_ON_FILE} methods on file`, () => {
    const a = account();
    for (let n = 1; n <= MAX_METHODS_ON_FILE; n += 1) {
      expect(outcome(a.addPaymentMethod(card(n), NOW))).toBe('ok');
    }
    a.pullEvents();
    expect(outcome(a.addPaymentMethod(card(11), NOW))).toBe('ACCOUNT.TOO_MANY_METHODS');
    expect(a.toSnapshot().paymentMethods).toHaveLength(MAX_METHODS_ON_FILE);
    expect(a.pullEvents()).toEqual([]);
    // Removing one makes room again.
    expectOk(a.removePaymentMethod(card(1).token, NOW));
    expect(outcome(a.addPaymentMethod(card(11), NOW))).toBe('ok');
  });

  it('checks duplicates before expiry, and expiry before the limit', () => {
    const a = account();
    for (let n = 1; n <= MAX_METHODS_ON_FILE; n += 1) expectOk(a.addPaymentMethod(card(n), NOW));
    expect(outcome(a.addPaymentMethod({ ...card(1), expiry: { month: 1, year: 2001 } }, NOW))).toBe(
      'ACCOUNT.METHOD_ALREADY_ON_FILE',
    );
    expect(outcome(a.addPaymentMethod(EXPIRED_VISA, NOW))).toBe('ACCOUNT.METHOD_EXPIRED');
  });

  it('removes a method (version +1, PaymentMethodRemoved); it is then no longer on file', () => {
    const a = account();
    expectOk(a.addPaymentMethod(VISA_4242, NOW));
    expectOk(a.addPaymentMethod(MASTERCARD_4444, NOW));
    a.pullEvents();
    expect(outcome(a.removePaymentMethod(VISA_4242.token, at(5)))).toBe('ok');
    expect(a.toSnapshot()).toMatchObject({ paymentMethods: [MASTERCARD_4444], version: 4 });
    expect(a.pullEvents().map((e) => [e.type, e.data])).toEqual([
      ['PaymentMethodRemoved', { token: VISA_4242.token }],
    ]);
    expect(outcome(a.methodOnFile(VISA_4242.token))).toBe('ACCOUNT.METHOD_NOT_ON_FILE');
  });

  it('refuses to remove a method that is not on file', () => {
    const a = account();
    expectOk(a.addPaymentMethod(VISA_4242, NOW));
    a.pullEvents();
    const other = expectOk(parseGatewayToken('pm_nothere123'));
    expect(outcome(a.removePaymentMethod(other, NOW))).toBe('ACCOUNT.METHOD_NOT_ON_FILE');
    expect(a.toSnapshot()).toMatchObject({ paymentMethods: [VISA_4242], version: 2 });
    expect(a.pullEvents()).toEqual([]);
  });

  it.each([
    ['an unknown token', 'pm_unknown999'],
    ['an empty string', ''],
    ['the last four digits', '4242'],
  ])('methodOnFile refuses %s', (_label, token) => {
    const a = account();
    expectOk(a.addPaymentMethod(VISA_4242, NOW));
    expect(failure(a.methodOnFile(token))).toEqual({
      code: 'ACCOUNT.METHOD_NOT_ON_FILE',
      message: 'That payment method is not on file for this customer.',
    });
  });

  it('round-trips through toSnapshot/fromSnapshot', () => {
    const a = account();
    expectOk(a.addPaymentMethod(VISA_4242, NOW));
    const restored = Account.fromSnapshot(a.toSnapshot());
    expect(restored.toSnapshot()).toEqual(a.toSnapshot());
    expect(restored.methodOnFile(VISA_4242.token)).toEqual({ ok: true, value: VISA_4242 });
  });
});
