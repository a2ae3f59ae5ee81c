import { describe, expect, it } from 'vitest';
import { validateCall } from './operator-api';

/** The supervisor methods' inputs at the operator-API boundary (both hosts validate with this). */
describe('supervisor operator API input', () => {
  it.each([
    ['escalations.list', {}],
    ['records.subject', { kind: 'payment', id: 'pay-000034' }],
    ['payments.retryVoid', { paymentId: 'pay-000034' }],
    ['payments.resolveEscalation', { paymentId: 'pay-000034', reason: 'Called the bank.' }],
    ['audit.search', { customer: 'cust-1', order: '', from: 0, to: 1_795_341_600_000 }],
    ['audit.exportCsv', {}],
    ['drill.get', {}],
    ['drill.set', { mode: 'refuse-voids' }],
    ['drill.set', { mode: 'flaky', failRate: 0.3, extraLatencyMs: 200 }],
  ])('accepts %s %j', (name, payload) => {
    expect(validateCall(name, payload).ok).toBe(true);
  });

  it.each([
    ['records.subject', { kind: 'account', id: 'cust-1' }],
    ['payments.retryVoid', { paymentId: '../../etc' }],
    ['payments.resolveEscalation', { paymentId: 'pay-1', reason: '' }],
    ['payments.resolveEscalation', { paymentId: 'pay-1', reason: 'x'.repeat(2001) }],
    ['audit.search', { from: -1 }],
    ['audit.search', { agent: 'a b' }],
    ['audit.exportCsv', { to: 1.5 }],
    ['drill.set', { mode: 'explode' }],
    ['drill.set', { mode: 'flaky', failRate: 2 }],
    ['drill.set', { mode: 'none', extraLatencyMs: 60_001 }],
  ])('refuses %s %j with API.INVALID_INPUT', (name, payload) => {
    expect(validateCall(name, payload)).toMatchObject({
      ok: false,
      error: { code: 'API.INVALID_INPUT' },
    });
  });
});
