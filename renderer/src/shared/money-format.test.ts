import { describe, expect, it } from 'vitest';
import { expectOk, money } from '../../../domain/shared';
import { formatMoney } from './money-format';

describe('formatMoney', () => {
  it('shows minor units exactly, in the agent locale', () => {
    expect(formatMoney(expectOk(money(1230, 'EUR')), 'en-IE')).toBe('€12.30');
    expect(formatMoney(expectOk(money(1230, 'EUR')), 'de-DE')).toBe('12,30\u00a0€');
    expect(formatMoney(expectOk(money(500, 'JPY')), 'en-US')).toBe('¥500');
    expect(formatMoney(expectOk(money(-5, 'USD')), 'en-US')).toBe('-$0.05');
  });
});
