import type { Money } from '../../../domain/shared';
import { CURRENCY_EXPONENTS } from '../../../domain/shared';

/**
 * Formats an amount for an agent's screen in their locale ("€12.30", "12,30 €").
 * Works from integer minor units so no float rounding shows up on screen.
 */
export function formatMoney(amount: Money, locale: string): string {
  const exponent = CURRENCY_EXPONENTS[amount.currency];
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: amount.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(amount.minor / 10 ** exponent);
}
