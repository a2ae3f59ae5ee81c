import { err, ok, type Result } from './result';

/**
 * ISO 4217 currencies we settle in, with their minor-unit exponent. Money is
 * always held in integer minor units so arithmetic never drifts.
 */
export const CURRENCY_EXPONENTS = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0, SEK: 2 } as const;
export type Currency = keyof typeof CURRENCY_EXPONENTS;

export interface Money {
  /** Integer count of the currency's minor unit (cents for EUR). */
  readonly minor: number;
  readonly currency: Currency;
}

export const isCurrency = (raw: unknown): raw is Currency =>
  typeof raw === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, raw);

/** Invariant: minor units are a safe integer and the currency is one we support. */
export function money(minor: number, currency: string): Result<Money> {
  if (!Number.isSafeInteger(minor)) {
    return err('MONEY.NOT_INTEGER', 'An amount must be a whole number of minor units.');
  }
  if (!isCurrency(currency)) {
    return err('MONEY.UNKNOWN_CURRENCY', 'That currency is not supported.');
  }
  return ok(Object.freeze({ minor, currency }));
}

function sameCurrency(a: Money, b: Money): Result<Currency> {
  return a.currency === b.currency
    ? ok(a.currency)
    : err('MONEY.CURRENCY_MISMATCH', 'Amounts in different currencies cannot be combined.');
}

function checked(minor: number, currency: Currency): Result<Money> {
  return Number.isSafeInteger(minor)
    ? ok(Object.freeze({ minor, currency }))
    : err('MONEY.OVERFLOW', 'That amount is too large.');
}

export function addMoney(a: Money, b: Money): Result<Money> {
  const c = sameCurrency(a, b);
  return c.ok ? checked(a.minor + b.minor, c.value) : c;
}

export function subtractMoney(a: Money, b: Money): Result<Money> {
  const c = sameCurrency(a, b);
  return c.ok ? checked(a.minor - b.minor, c.value) : c;
}

/**
 * Rounds half to even ("banker's rounding") so that repeated rounding of many
 * amounts carries no systematic bias.
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  const EPS = 1e-9;
  if (diff > 0.5 + EPS) return floor + 1;
  if (diff < 0.5 - EPS) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Multiplies by a factor (a rate, a quantity) and rounds half-even to a minor unit. */
export function multiplyMoney(a: Money, factor: number): Result<Money> {
  if (!Number.isFinite(factor)) return err('MONEY.INVALID_FACTOR', 'That factor is not a number.');
  return checked(roundHalfEven(a.minor * factor), a.currency);
}

/**
 * Splits an amount by integer weights without losing or inventing a minor unit:
 * the parts always add up to the original (largest-remainder method).
 */
export function allocateMoney(a: Money, weights: readonly number[]): Result<Money[]> {
  if (weights.length === 0 || weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    return err(
      'MONEY.INVALID_WEIGHTS',
      'An amount can only be split by whole, non-negative shares.',
    );
  }
  // Exact integer arithmetic: amount × weight can pass 2^53, where floats lose units.
  const total = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (total === 0n) return err('MONEY.INVALID_WEIGHTS', 'At least one share must be positive.');
  const sign = a.minor < 0 ? -1 : 1;
  const abs = BigInt(Math.abs(a.minor));
  const shares = weights.map((w) => abs * BigInt(w));
  const parts = shares.map((share) => share / total);
  let leftover = abs - parts.reduce((s, p) => s + p, 0n);
  const byRemainder = shares
    .map((share, i) => ({ i, rem: share % total }))
    .sort((x, y) => (x.rem === y.rem ? x.i - y.i : x.rem < y.rem ? 1 : -1));
  for (const { i } of byRemainder) {
    if (leftover === 0n) break;
    parts[i] = (parts[i] ?? 0n) + 1n;
    leftover -= 1n;
  }
  // Each part is at most |amount|, so it converts back exactly; a zero share is 0, not -0.
  return ok(
    parts.map((p) =>
      Object.freeze({ minor: p === 0n ? 0 : sign * Number(p), currency: a.currency }),
    ),
  );
}

export const moneyEquals = (a: Money, b: Money): boolean =>
  a.minor === b.minor && a.currency === b.currency;

export function compareMoney(a: Money, b: Money): Result<-1 | 0 | 1> {
  const c = sameCurrency(a, b);
  if (!c.ok) return c;
  return ok(a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0);
}

export const isPositive = (a: Money): boolean => a.minor > 0;

/** Decimal string in major units (e.g. "12.30"), for display and gateways; no locale. */
export function toDecimalString(a: Money): string {
  const exp = CURRENCY_EXPONENTS[a.currency];
  const abs = Math.abs(a.minor);
  const sign = a.minor < 0 ? '-' : '';
  if (exp === 0) return `${sign}${abs}`;
  const s = abs.toString().padStart(exp + 1, '0');
  return `${sign}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}
