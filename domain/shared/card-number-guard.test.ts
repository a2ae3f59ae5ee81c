import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containsCardNumber,
  containsCardSecurityCode,
  findCardData,
  luhnValid,
} from './card-number-guard';

/** Appends the Luhn check digit to a digit string (independent of the code under test). */
function withCheckDigit(body: string): string {
  let total = 0;
  for (let i = 0; i < body.length; i += 1) {
    // Counting from the right of the finished number, the digit just left of the check
    // digit is doubled, then every second one.
    const fromRight = body.length - i;
    let d = Number(body[i]);
    if (fromRight % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return `${body}${(10 - (total % 10)) % 10}`;
}

const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max })
    .map((ds) => ds.join(''));
const luhnPan16 = digits(15, 15).map(withCheckDigit);
/** Text that contains no digit at all. */
const prose = fc.string({ unit: fc.constantFrom(...'abc XYZ.,:;!?éß\n'.split('')), maxLength: 30 });
const separator = fc.constantFrom('', ' ', '-');

describe('luhnValid', () => {
  it.each([
    ['4111111111111111', true],
    ['4242424242424242', true],
    ['5555555555554444', true],
    ['378282246310005', true],
    ['79927398713', true],
    ['0', true],
    ['4111111111111112', false],
    ['4242424242424241', false],
    ['79927398710', false],
    ['', false],
    ['4111 1111 1111 1111', false],
    ['4111-1111-1111-1111', false],
    ['41x1', false],
  ])('luhnValid(%j) is %s', (input, expected) => {
    expect(luhnValid(input)).toBe(expected);
  });

  it('the test helper computes the same check digits as published test cards', () => {
    expect(withCheckDigit('411111111111111')).toBe('4111111111111111');
    expect(withCheckDigit('37828224631000')).toBe('378282246310005');
    expect(withCheckDigit('7992739871')).toBe('79927398713');
  });

  it('exactly one check digit completes any body (property)', () => {
    fc.assert(
      fc.property(digits(1, 18), (body) => {
        const valid = '0123456789'.split('').filter((d) => luhnValid(body + d));
        expect(valid).toEqual([withCheckDigit(body).slice(-1)]);
      }),
    );
  });
});

describe('containsCardNumber', () => {
  it.each([
    ['a bare PAN', '4111111111111111'],
    ['a PAN grouped by spaces', '4111 1111 1111 1111'],
    ['a PAN grouped by dashes', '5555-5555-5555-4444'],
    ['a PAN with mixed separators', '4242 4242-4242 4242'],
    ['a PAN inside a sentence', 'Customer read out 4111 1111 1111 1111 on the phone, please call'],
    ['a PAN glued to words', 'card:4242424242424242!'],
    ['a 15-digit Amex in its 4-6-5 grouping', 'amex 3782 822463 10005'],
    ['a 13-digit Visa', 'old card 4222222222222'],
    ['a 19-digit PAN', `pan ${withCheckDigit('601100000000000000')}`],
    ['a PAN after a short number', 'ticket 77 and 4111111111111111'],
    ['a PAN followed by more digits', '4111 1111 1111 1111 2345'],
    ['the second of two numbers', 'ref 1234 5678, card 5555555555554444'],
  ])('finds %s', (_label, text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['plain prose', 'The drone arrived late; the customer was upset.'],
    ['a German phone number', '+49 30 1234567'],
    ['an E.164 mobile number', '+4915123456789'],
    ['a mobile number with spaces', '+49 151 23456789'],
    ['a UK phone number', '+44 20 7946 0958'],
    ['a US phone number', '+1 (555) 123-4567'],
    ['a French phone number', '+33 1 23 45 67 89'],
    ['a 12-digit run', '123456789012'],
    ['short digit runs', 'Order 12345, parcel PKG-0001, 2026-11-22, 10:00'],
    ['a non-Luhn 16-digit run', '1234567812345678'],
    ['a grouped non-Luhn 16-digit run', '1234 5678 1234 5678'],
  ])('ignores %s', (_label, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  it('finds a PAN that follows another number after a single space', () => {
    // Every window of 13–19 digits inside a longer run counts, so a PAN preceded by
    // another digit group (a postcode, an order number) is still a PAN.
    expect(containsCardNumber('10000 4111 1111 1111 1111')).toBe(true);
    expect(containsCardNumber('PLZ 10000 4111111111111111')).toBe(true);
  });

  it('detects any Luhn-valid 16-digit number, however grouped and wherever in the text (property)', () => {
    fc.assert(
      fc.property(prose, luhnPan16, separator, prose, (before, pan, sep, after) => {
        const grouped = (pan.match(/\d{4}/g) ?? []).join(sep);
        expect(containsCardNumber(`${before}${grouped}${after}`)).toBe(true);
      }),
    );
  });

  it('detects a Luhn-valid PAN even when other digit groups touch it (property)', () => {
    fc.assert(
      fc.property(digits(1, 12), luhnPan16, separator, (prefix, pan, sep) => {
        expect(containsCardNumber(`${prefix}${sep}${pan}`)).toBe(true);
        expect(containsCardNumber(`${pan}${sep}${prefix}`)).toBe(true);
      }),
    );
  });

  it('never flags fewer than 13 digits, whatever surrounds them (property)', () => {
    fc.assert(
      fc.property(prose, digits(0, 12), prose, (before, run, after) => {
        expect(containsCardNumber(`${before}${run}${after}`)).toBe(false);
      }),
    );
  });
});

describe('containsCardNumber false positives', () => {
  it('lets a 16-digit reference number that is not a valid PAN through', () => {
    expect(containsCardNumber('Carrier reference 4111111111111112, please call back')).toBe(false);
    expect(containsCardNumber('Ticket 4111 1111 1111 1112')).toBe(false);
  });
});

describe('containsCardSecurityCode / findCardData', () => {
  it.each([
    'cvv 123',
    'Customer read out card 4111 1111 1111 1111, cvv 123',
    'CVC: 1234',
    'cvc2=987',
    'the security code is 321',
    'card verification number 0042',
    'CVV was 555.',
  ])('finds a security code in %j', (text) => {
    expect(findCardData(text)).not.toBeNull();
  });

  it.each([
    'Flat 123, second floor',
    'Delivery window 10:30-11:00, code 4567 for the gate',
    'cvv',
    'cvv 12',
    'cvv 12345',
    'order 123 has a CVV-less payment method',
  ])('ignores %j', (text) => {
    expect(containsCardSecurityCode(text)).toBe(false);
  });

  it('names a card number before a security code', () => {
    expect(findCardData('4111 1111 1111 1111 cvv 123')).toBe('card-number');
    expect(findCardData('cvv 123')).toBe('security-code');
    expect(findCardData('all fine')).toBeNull();
  });

  it('finds a labelled 3-4 digit code in any surrounding prose (property)', () => {
    const label = fc.constantFrom('cvv', 'CVV', 'cvc', 'CVC2', 'security code');
    fc.assert(
      fc.property(
        prose,
        label,
        fc.constantFrom(' ', ': ', '='),
        digits(3, 4),
        prose,
        (a, l, s, d, b) => {
          expect(containsCardSecurityCode(`${a} ${l}${s}${d} ${b}`)).toBe(true);
        },
      ),
    );
  });
});
