import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failure, outcome } from '../test-support/fixtures';
import {
  CURRENCY_EXPONENTS,
  addMoney,
  allocateMoney,
  compareMoney,
  isCurrency,
  isPositive,
  money,
  moneyEquals,
  multiplyMoney,
  roundHalfEven,
  subtractMoney,
  toDecimalString,
  type Currency,
  type Money,
} from './money';
import { expectOk } from './result';

const eur = (minor: number): Money => expectOk(money(minor, 'EUR'));
const usd = (minor: number): Money => expectOk(money(minor, 'USD'));
const jpy = (minor: number): Money => expectOk(money(minor, 'JPY'));
const minors = (parts: readonly Money[]): number[] => parts.map((p) => p.minor);
const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as Currency[];
/** Amounts far enough from the safe-integer limit that sums of three never overflow. */
const amount = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });

describe('money()', () => {
  it.each(CURRENCIES)('accepts integer minor units in %s', (currency) => {
    expect(money(1230, currency)).toEqual({ ok: true, value: { minor: 1230, currency } });
  });

  it('accepts zero, negatives and the safe-integer limits', () => {
    expect(eur(0).minor).toBe(0);
    expect(eur(-250).minor).toBe(-250);
    expect(eur(Number.MAX_SAFE_INTEGER).minor).toBe(Number.MAX_SAFE_INTEGER);
    expect(eur(Number.MIN_SAFE_INTEGER).minor).toBe(Number.MIN_SAFE_INTEGER);
  });

  it.each([
    ['a fraction', 12.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['beyond the safe-integer range', Number.MAX_SAFE_INTEGER + 1],
  ])('refuses %s as minor units with MONEY.NOT_INTEGER', (_label, minor) => {
    expect(outcome(money(minor, 'EUR'))).toBe('MONEY.NOT_INTEGER');
  });

  it.each(['eur', 'XXX', '', 'BTC', 'toString', '__proto__'])(
    'refuses currency %j with MONEY.UNKNOWN_CURRENCY',
    (currency) => {
      expect(outcome(money(100, currency))).toBe('MONEY.UNKNOWN_CURRENCY');
    },
  );

  it('reports the minor-unit problem first when both inputs are wrong', () => {
    expect(outcome(money(1.5, 'XXX'))).toBe('MONEY.NOT_INTEGER');
  });

  it('returns a frozen value', () => {
    expect(Object.isFrozen(eur(1))).toBe(true);
  });

  it('isCurrency recognises only supported ISO codes', () => {
    expect(CURRENCIES.every(isCurrency)).toBe(true);
    expect([42, null, undefined, 'hasOwnProperty', 'usd'].some(isCurrency)).toBe(false);
  });
});

describe('addMoney / subtractMoney', () => {
  it('adds and subtracts in the same currency', () => {
    expect(expectOk(addMoney(eur(1050), eur(250)))).toEqual({ minor: 1300, currency: 'EUR' });
    expect(expectOk(subtractMoney(eur(1050), eur(250)))).toEqual({ minor: 800, currency: 'EUR' });
    expect(expectOk(subtractMoney(eur(250), eur(1050)))).toEqual({ minor: -800, currency: 'EUR' });
  });

  it.each([
    ['add', addMoney],
    ['subtract', subtractMoney],
  ])('%s refuses amounts in different currencies', (_op, op) => {
    const error = failure(op(eur(100), usd(100)));
    expect(error.code).toBe('MONEY.CURRENCY_MISMATCH');
    expect(error.message).toMatch(/different currencies/);
  });

  it.each([
    ['add past the maximum', () => addMoney(eur(Number.MAX_SAFE_INTEGER), eur(1))],
    ['subtract past the minimum', () => subtractMoney(eur(Number.MIN_SAFE_INTEGER), eur(1))],
    [
      'subtract a negative past the maximum',
      () => subtractMoney(eur(Number.MAX_SAFE_INTEGER), eur(-1)),
    ],
  ])('reports MONEY.OVERFLOW when results %s', (_label, run) => {
    expect(outcome(run())).toBe('MONEY.OVERFLOW');
  });

  it('reaches the limits exactly without overflowing', () => {
    const max = expectOk(addMoney(eur(Number.MAX_SAFE_INTEGER - 1), eur(1)));
    expect(max.minor).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('add is commutative (property)', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        expect(expectOk(addMoney(eur(a), eur(b)))).toEqual(expectOk(addMoney(eur(b), eur(a))));
      }),
    );
  });

  it('add is associative (property)', () => {
    fc.assert(
      fc.property(amount, amount, amount, (a, b, c) => {
        const left = expectOk(addMoney(expectOk(addMoney(eur(a), eur(b))), eur(c)));
        const right = expectOk(addMoney(eur(a), expectOk(addMoney(eur(b), eur(c)))));
        expect(left).toEqual(right);
        expect(left.minor).toBe(a + b + c);
      }),
    );
  });

  it('subtract undoes add (property)', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const back = expectOk(subtractMoney(expectOk(addMoney(eur(a), eur(b))), eur(b)));
        expect(back.minor).toBe(a);
      }),
    );
  });
});

describe('roundHalfEven', () => {
  it.each([
    [0, 0],
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-0.5, 0],
    [-1.5, -2],
    [-2.5, -2],
    [-3.5, -4],
    [2.4, 2],
    [2.6, 3],
    [2.4999, 2],
    [2.5001, 3],
    [-2.4, -2],
    [-2.6, -3],
    [7, 7],
    [-7, -7],
    // 1.015 * 100 is 101.49999999999999 in binary floating point: treated as the tie it
    // stands for (→ even 102), not rounded down to 101.
    [1.015 * 100, 102],
    [0.125 * 100, 12],
    [1e12 + 0.5, 1e12],
    [1e12 + 1.5, 1e12 + 2],
  ])('roundHalfEven(%d) === %d', (value, expected) => {
    expect(roundHalfEven(value)).toBe(expected);
  });

  it('is the identity on integers and within half a unit of its input (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, f) => {
          expect(roundHalfEven(n)).toBe(n);
          const r = roundHalfEven(n + f);
          expect(Number.isInteger(r)).toBe(true);
          expect(Math.abs(r - (n + f))).toBeLessThanOrEqual(0.5 + 1e-9);
        },
      ),
    );
  });
});

describe('multiplyMoney', () => {
  it.each([
    [1000, 1.19, 1190],
    [1000, 0, 0],
    [1000, -1, -1000],
    [1234, 3, 3702],
    [5, 0.5, 2], // 2.5 rounds to even
    [7, 0.5, 4], // 3.5 rounds to even
    [-5, 0.5, -2],
    [3, 1 / 3, 1],
    [199, 0.19, 38], // 37.81
  ])('%d × %d = %d minor units', (minor, factor, expected) => {
    expect(expectOk(multiplyMoney(eur(minor), factor))).toEqual({
      minor: expected,
      currency: 'EUR',
    });
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'refuses factor %d with MONEY.INVALID_FACTOR',
    (factor) => {
      expect(outcome(multiplyMoney(eur(100), factor))).toBe('MONEY.INVALID_FACTOR');
    },
  );

  it('reports MONEY.OVERFLOW when the product leaves the safe-integer range', () => {
    expect(outcome(multiplyMoney(eur(Number.MAX_SAFE_INTEGER), 2))).toBe('MONEY.OVERFLOW');
    expect(outcome(multiplyMoney(eur(1e15), 1e300))).toBe('MONEY.OVERFLOW');
  });

  it('keeps the currency', () => {
    expect(expectOk(multiplyMoney(jpy(500), 3)).currency).toBe('JPY');
  });
});

describe('allocateMoney', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 1], [50, 50]],
    [5, [1, 1], [3, 2]],
    [10, [3, 7], [3, 7]],
    [1, [1, 1, 1], [1, 0, 0]],
    [2, [1, 1, 1], [1, 1, 0]],
    [100, [1, 0, 1], [50, 0, 50]],
    [0, [1, 2], [0, 0]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [-5, [1, 1], [-3, -2]],
    [-100, [1, 0], [-100, 0]],
    [1000, [70, 20, 10], [700, 200, 100]],
    // Largest remainder: 2/3 of 10 is 6.67 → gets the spare unit before 3.33.
    [10, [1, 2], [3, 7]],
  ])('splits %d by %j into %j', (minor, weights, expected) => {
    const parts = expectOk(allocateMoney(eur(minor), weights));
    // Object.is per element: a zero share is 0, never -0.
    expect(minors(parts).map((m) => Object.is(m, -0))).toEqual(expected.map(() => false));
    expect(minors(parts)).toEqual(expected);
    expect(parts.every((p) => p.currency === 'EUR')).toBe(true);
  });

  it.each([
    ['no weights', []],
    ['a negative weight', [1, -1]],
    ['a fractional weight', [0.5, 0.5]],
    ['a NaN weight', [Number.NaN]],
    ['only zero weights', [0, 0]],
  ])('refuses %s with MONEY.INVALID_WEIGHTS', (_label, weights) => {
    expect(outcome(allocateMoney(eur(100), weights))).toBe('MONEY.INVALID_WEIGHTS');
  });

  const weights = fc
    .array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 12 })
    .filter((ws) => ws.some((w) => w > 0));

  it('parts always add up to the original amount (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), weights, (minor, ws) => {
        const parts = expectOk(allocateMoney(eur(minor), ws));
        expect(parts).toHaveLength(ws.length);
        expect(sum(minors(parts))).toBe(minor);
      }),
    );
  });

  it('parts add up even when amount × weight exceeds 2^53 (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 2 ** 40, max: Number.MAX_SAFE_INTEGER }),
          fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -(2 ** 40) }),
        ),
        fc.array(fc.integer({ min: 2 ** 14, max: 2 ** 40 }), { minLength: 1, maxLength: 5 }),
        (minor, ws) => {
          const parts = expectOk(allocateMoney(eur(minor), ws));
          expect(sum(minors(parts))).toBe(minor);
          expect(parts.every((p) => Number.isSafeInteger(p.minor))).toBe(true);
        },
      ),
    );
  });

  it('equal weights get parts that differ by at most one minor unit (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), weights, (minor, ws) => {
        const parts = minors(expectOk(allocateMoney(eur(minor), ws)));
        ws.forEach((w, i) => {
          ws.forEach((v, j) => {
            if (w === v) expect(Math.abs((parts[i] ?? 0) - (parts[j] ?? 0))).toBeLessThanOrEqual(1);
          });
        });
      }),
    );
  });

  it('a zero weight gets nothing and every part has the sign of the amount (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), weights, (minor, ws) => {
        const parts = minors(expectOk(allocateMoney(eur(minor), ws)));
        ws.forEach((w, i) => {
          const part = parts[i] ?? Number.NaN;
          if (w === 0) expect(part).toBe(0);
          expect(minor >= 0 ? part >= 0 : part <= 0).toBe(true);
        });
      }),
    );
  });
});

describe('comparisons', () => {
  it('moneyEquals needs the same amount and currency', () => {
    expect(moneyEquals(eur(100), eur(100))).toBe(true);
    expect(moneyEquals(eur(100), eur(101))).toBe(false);
    expect(moneyEquals(eur(100), usd(100))).toBe(false);
  });

  it.each([
    [100, 200, -1],
    [200, 100, 1],
    [150, 150, 0],
    [-5, 5, -1],
  ])('compareMoney(%d, %d) is %d', (a, b, expected) => {
    expect(compareMoney(eur(a), eur(b))).toEqual({ ok: true, value: expected });
  });

  it('compareMoney refuses different currencies', () => {
    expect(outcome(compareMoney(eur(1), usd(1)))).toBe('MONEY.CURRENCY_MISMATCH');
  });

  it.each([
    [1, true],
    [0, false],
    [-1, false],
  ])('isPositive(%d) is %s', (minor, expected) => {
    expect(isPositive(eur(minor))).toBe(expected);
  });
});

describe('toDecimalString', () => {
  it.each([
    [1230, 'EUR', '12.30'],
    [5, 'EUR', '0.05'],
    [50, 'EUR', '0.50'],
    [0, 'EUR', '0.00'],
    [100, 'USD', '1.00'],
    [-5, 'EUR', '-0.05'],
    [-1230, 'GBP', '-12.30'],
    [123456789, 'CHF', '1234567.89'],
    [500, 'JPY', '500'],
    [0, 'JPY', '0'],
    [-500, 'JPY', '-500'],
    [Number.MAX_SAFE_INTEGER, 'SEK', '90071992547409.91'],
  ])('%d %s → %s', (minor, currency, expected) => {
    expect(toDecimalString(expectOk(money(minor, currency)))).toBe(expected);
  });

  it('round-trips through parseFloat for two-decimal currencies (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (minor) => {
        const text = toDecimalString(eur(minor));
        expect(text).toMatch(/^-?\d+\.\d{2}$/);
        expect(Math.round(Number.parseFloat(text) * 100)).toBe(minor);
      }),
    );
  });
});
