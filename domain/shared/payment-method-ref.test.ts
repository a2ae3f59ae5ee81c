import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMEX_0005,
  MASTERCARD_4444,
  NOW,
  VISA_4242,
  VISA_EXPIRING_THIS_MONTH,
  EXPIRED_VISA,
  outcome,
} from '../test-support/fixtures';
import { instant, startOfUtcMonth } from './clock.port';
import {
  CARD_BRANDS,
  describeMethod,
  isExpiredAt,
  parseGatewayToken,
  paymentMethodRef,
  type PaymentMethodRef,
} from './payment-method-ref';
import { expectOk } from './result';

const VALID = { token: 'pm_abc123XYZ', brand: 'visa', last4: '4242', expMonth: 9, expYear: 2027 };

const expiring = (month: number, year: number): PaymentMethodRef =>
  expectOk(paymentMethodRef({ ...VALID, expMonth: month, expYear: year }));

describe('parseGatewayToken', () => {
  it.each([
    'pm_abcdef',
    'tok_123456',
    'card_ABC_def_123',
    `pm_${'a'.repeat(64)}`,
    'pm_4242'.padEnd(12, 'x'),
  ])('accepts %j', (token) => {
    expect(parseGatewayToken(token)).toEqual({ ok: true, value: token });
  });

  it.each([
    ['a raw PAN', '4111111111111111'],
    ['a PAN behind a valid prefix', 'pm_4111111111111111'],
    ['a 15-digit Amex behind a valid prefix', 'tok_378282246310005'],
    ['a PAN in the middle of a token', 'card_ab4242424242424242cd'],
    ['a spaced PAN behind a prefix', 'pm_4111 1111 1111 1111'],
    ['an unknown prefix', 'src_abcdef'],
    ['an upper-case prefix', 'PM_abcdef'],
    ['a dash instead of underscore', 'pm-abcdef'],
    ['a body that is too short', 'pm_abcde'],
    ['a body that is too long', `pm_${'a'.repeat(65)}`],
    ['punctuation in the body', 'pm_abc.def'],
    ['an empty string', ''],
    ['a number', 4111111111111111],
    ['null', null],
    ['undefined', undefined],
    ['an object', { token: 'pm_abcdef' }],
  ])('refuses %s with PAYMENT_METHOD.INVALID_TOKEN', (_label, raw) => {
    expect(outcome(parseGatewayToken(raw))).toBe('PAYMENT_METHOD.INVALID_TOKEN');
  });
});

describe('paymentMethodRef', () => {
  it('builds a frozen reference with brand, last four and expiry', () => {
    const ref = expectOk(paymentMethodRef(VALID));
    expect(ref).toEqual({
      token: 'pm_abc123XYZ',
      brand: 'visa',
      last4: '4242',
      expiry: { month: 9, year: 2027 },
    });
    expect(Object.isFrozen(ref)).toBe(true);
    expect(Object.isFrozen(ref.expiry)).toBe(true);
    // Nothing that could hold a PAN or CVV.
    expect(Object.keys(ref).sort()).toEqual(['brand', 'expiry', 'last4', 'token']);
  });

  it.each(CARD_BRANDS)('accepts brand %s', (brand) => {
    expect(expectOk(paymentMethodRef({ ...VALID, brand })).brand).toBe(brand);
  });

  it.each([
    ['a PAN as token', { token: '4111111111111111' }, 'PAYMENT_METHOD.INVALID_TOKEN'],
    ['a PAN inside the token', { token: 'pm_5555555555554444' }, 'PAYMENT_METHOD.INVALID_TOKEN'],
    ['an unknown brand', { brand: 'diners' }, 'PAYMENT_METHOD.UNKNOWN_BRAND'],
    ['a capitalised brand', { brand: 'Visa' }, 'PAYMENT_METHOD.UNKNOWN_BRAND'],
    ['a non-string brand', { brand: 4 }, 'PAYMENT_METHOD.UNKNOWN_BRAND'],
    ['three digits as last4', { last4: '424' }, 'PAYMENT_METHOD.INVALID_LAST4'],
    ['five digits as last4', { last4: '42424' }, 'PAYMENT_METHOD.INVALID_LAST4'],
    ['the full PAN as last4', { last4: '4111111111111111' }, 'PAYMENT_METHOD.INVALID_LAST4'],
    ['letters as last4', { last4: 'abcd' }, 'PAYMENT_METHOD.INVALID_LAST4'],
    ['a number as last4', { last4: 4242 }, 'PAYMENT_METHOD.INVALID_LAST4'],
    ['month 0', { expMonth: 0 }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['month 13', { expMonth: 13 }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['a fractional month', { expMonth: 1.5 }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['a month as text', { expMonth: '09' }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['year 1999', { expYear: 1999 }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['year 2101', { expYear: 2101 }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['a two-digit year', { expYear: 27 }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['a year as text', { expYear: '2027' }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
    ['a NaN year', { expYear: Number.NaN }, 'PAYMENT_METHOD.INVALID_EXPIRY'],
  ])('refuses %s', (_label, patch, code) => {
    expect(outcome(paymentMethodRef({ ...VALID, ...patch }))).toBe(code);
  });

  it('names the field at fault in the expiry message', () => {
    const month = paymentMethodRef({ ...VALID, expMonth: 13 });
    const year = paymentMethodRef({ ...VALID, expYear: 1999 });
    expect(month.ok ? '' : month.error.message).toMatch(/month/);
    expect(year.ok ? '' : year.error.message).toMatch(/year/);
  });

  it.each([
    [1, 2000],
    [12, 2100],
  ])('accepts the expiry limits %d/%d', (month, year) => {
    expect(expiring(month, year).expiry).toEqual({ month, year });
  });
});

describe('isExpiredAt', () => {
  it('a card is valid through the last millisecond of its expiry month (UTC)', () => {
    const card = expiring(11, 2026);
    const firstOfDecember = startOfUtcMonth(2026, 12);
    expect(isExpiredAt(card, instant(firstOfDecember - 1))).toBe(false);
    expect(isExpiredAt(card, firstOfDecember)).toBe(true);
    expect(isExpiredAt(card, startOfUtcMonth(2026, 11))).toBe(false);
  });

  it('a December card expires at the turn of the year', () => {
    const card = expiring(12, 2026);
    expect(isExpiredAt(card, instant(Date.UTC(2026, 11, 31, 23, 59, 59, 999)))).toBe(false);
    expect(isExpiredAt(card, instant(Date.UTC(2027, 0, 1)))).toBe(true);
  });

  it('the fixtures expire as labelled at NOW', () => {
    expect(isExpiredAt(EXPIRED_VISA, NOW)).toBe(true);
    expect(isExpiredAt(VISA_EXPIRING_THIS_MONTH, NOW)).toBe(false);
    expect(isExpiredAt(VISA_4242, NOW)).toBe(false);
  });

  it('flips exactly at the start of the month after expiry (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        (year, month) => {
          const card = expiring(month, year);
          const boundary = Date.UTC(year, month, 1); // JS months are 0-based: this is month + 1
          expect(isExpiredAt(card, instant(boundary - 1))).toBe(false);
          expect(isExpiredAt(card, instant(boundary))).toBe(true);
        },
      ),
    );
  });
});

describe('describeMethod', () => {
  it.each([
    [VISA_4242, 'Visa ending 4242, expires 09/2027'],
    [MASTERCARD_4444, 'Mastercard ending 4444, expires 12/2028'],
    [AMEX_0005, 'Amex ending 0005, expires 03/2029'],
  ])('reads out %#', (method, expected) => {
    expect(describeMethod(method)).toBe(expected);
  });

  it('never reads out the token', () => {
    expect(describeMethod(VISA_4242)).not.toContain(VISA_4242.token);
  });
});
