import { startOfUtcMonth, type Instant } from './clock.port';
import { containsCardNumber } from './card-number-guard';
import { err, ok, type Result } from './result';

export const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover', 'jcb', 'unionpay'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

/** Gateway token; validated so that it can never be a card number in disguise. */
export type GatewayToken = string & { readonly __gatewayToken: true };

/**
 * A payment method as the gateway knows it: a token plus what an agent may read
 * out (brand, last four digits, expiry). There is deliberately no field that
 * could hold a full card number or a CVV.
 */
export interface PaymentMethodRef {
  readonly token: GatewayToken;
  readonly brand: CardBrand;
  readonly last4: string;
  readonly expiry: { readonly month: number; readonly year: number };
}

// Tokens are opaque ids issued by the gateway, e.g. "pm_4Qa7...". Requiring a
// letter prefix and refusing long digit runs keeps a pasted PAN out of the field.
const TOKEN_PATTERN = /^(pm|tok|card)_[A-Za-z0-9_]{6,64}$/;

export function parseGatewayToken(raw: unknown): Result<GatewayToken> {
  if (typeof raw !== 'string' || !TOKEN_PATTERN.test(raw) || containsCardNumber(raw)) {
    return err('PAYMENT_METHOD.INVALID_TOKEN', 'That payment method reference is not valid.');
  }
  return ok(raw as GatewayToken);
}

/** Invariants: token well-formed, last4 exactly four digits, month 1–12, plausible year. */
export function paymentMethodRef(input: {
  token: unknown;
  brand: unknown;
  last4: unknown;
  expMonth: unknown;
  expYear: unknown;
}): Result<PaymentMethodRef> {
  const token = parseGatewayToken(input.token);
  if (!token.ok) return token;
  if (
    typeof input.brand !== 'string' ||
    !(CARD_BRANDS as readonly string[]).includes(input.brand)
  ) {
    return err('PAYMENT_METHOD.UNKNOWN_BRAND', 'That card brand is not accepted.');
  }
  if (typeof input.last4 !== 'string' || !/^\d{4}$/.test(input.last4)) {
    return err('PAYMENT_METHOD.INVALID_LAST4', 'Only the last four digits of a card are kept.');
  }
  const { expMonth, expYear } = input;
  if (
    typeof expMonth !== 'number' ||
    !Number.isInteger(expMonth) ||
    expMonth < 1 ||
    expMonth > 12
  ) {
    return err('PAYMENT_METHOD.INVALID_EXPIRY', 'The card expiry month is not valid.');
  }
  if (
    typeof expYear !== 'number' ||
    !Number.isInteger(expYear) ||
    expYear < 2000 ||
    expYear > 2100
  ) {
    return err('PAYMENT_METHOD.INVALID_EXPIRY', 'The card expiry year is not valid.');
  }
  return ok(
    Object.freeze({
      token: token.value,
      brand: input.brand as CardBrand,
      last4: input.last4,
      expiry: Object.freeze({ month: expMonth, year: expYear }),
    }),
  );
}

/** A card is valid through the last day of its expiry month (UTC). */
export function isExpiredAt(method: PaymentMethodRef, at: Instant): boolean {
  return at >= startOfUtcMonth(method.expiry.year, method.expiry.month + 1);
}

/** What an agent reads out: "Visa ending 4242, expires 09/2027". */
export function describeMethod(method: PaymentMethodRef): string {
  const brand = method.brand.charAt(0).toUpperCase() + method.brand.slice(1);
  const month = String(method.expiry.month).padStart(2, '0');
  return `${brand} ending ${method.last4}, expires ${month}/${method.expiry.year}`;
}
