import { describe, expect, it } from 'vitest';
import { auditCsv, isoUtc, parseAuditQuery, searchAudit, type AuditEntry } from './audit';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: 'k1#command',
  event: 'command',
  at: 1_795_341_600_000,
  commandKey: 'k1',
  command: 'shipping.cancelDelivery',
  userId: 'agent-1',
  role: 'agent',
  desktopId: 'desk-1',
  issuedAt: 1_795_334_400_000,
  acceptedAt: 1_795_341_600_000,
  outcome: 'accepted',
  code: null,
  detail: 'customer-request',
  customerId: 'cust-1',
  deliveryId: 'del-1',
  paymentId: null,
  ...over,
});

describe('audit trail search and CSV', () => {
  it('formats UTC like Date#toISOString, without Date', () => {
    for (const ms of [0, 951_782_400_000, 1_795_341_600_123, 4_102_444_799_999, 1_709_164_800_000])
      expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
  });

  it('parses and refuses search parameters', () => {
    expect(parseAuditQuery({ customer: 'cust-1', from: '5', to: '10', agent: '' })).toEqual({
      ok: true,
      value: { customerId: 'cust-1', from: 5, to: 10 },
    });
    for (const bad of [{ from: 'x' }, { to: '-1' }, { order: 'a b' }, { from: '9', to: '1' }])
      expect(parseAuditQuery(bad)).toMatchObject({
        ok: false,
        error: { code: 'AUDIT.BAD_PARAMETER' },
      });
  });

  it('filters by customer, order, agent and time, newest first', () => {
    const a = entry({ id: 'a', at: 10 });
    const b = entry({ id: 'b', at: 20, userId: 'agent-2', deliveryId: 'del-2' });
    const c = entry({ id: 'c', at: 30, customerId: 'cust-2' });
    expect(searchAudit([a, b, c], {}).map((e) => e.id)).toEqual(['c', 'b', 'a']);
    expect(searchAudit([a, b, c], { userId: 'agent-2' }).map((e) => e.id)).toEqual(['b']);
    expect(searchAudit([a, b, c], { deliveryId: 'del-1', from: 15 }).map((e) => e.id)).toEqual([
      'c',
    ]);
    expect(searchAudit([a, b, c], { customerId: 'cust-1', to: 15 }).map((e) => e.id)).toEqual([
      'a',
    ]);
  });

  it('orders lines of the same millisecond by id, and pages after a position', () => {
    const lines = ['a', 'b', 'c', 'd'].map((id, i) => entry({ id, at: i < 2 ? 10 : 20 }));
    expect(searchAudit(lines, {}).map((e) => e.id)).toEqual(['d', 'c', 'b', 'a']);
    const first = searchAudit(lines, {}, { limit: 3 });
    expect(first.map((e) => e.id)).toEqual(['d', 'c', 'b']);
    const last = first.at(-1);
    expect(last && searchAudit(lines, {}, { before: last, limit: 3 }).map((e) => e.id)).toEqual([
      'a',
    ]);
  });

  it('quotes CSV cells and defuses spreadsheet formulas', () => {
    const csv = auditCsv([entry({ detail: '=HYPERLINK("x"), said "hi"' })]);
    const [header, row] = csv.split('\r\n');
    expect(header).toBe(
      'at,event,command,outcome,code,detail,user,role,desk,issued_at,accepted_at,customer,order,payment,command_key',
    );
    expect(row).toContain(`"'=HYPERLINK(""x""), said ""hi"""`);
    expect(row).toContain(',desk-1,2026-11-22T');
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
