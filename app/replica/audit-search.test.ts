import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../domain/protocol';
import { AuditSearch } from './audit-search';
import { RecordWriter } from './record-repository';
import { openReadableReplica, openWritableReplica } from './replica-db';

// The supervisor's audit search on a real replica file, through the read-only connection.

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-audit-replica-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);
const line = (n: number): AuditEntry => ({
  id: `desk-1:${String(n).padStart(4, '0')}#command`,
  event: 'command',
  at: T0 + Math.floor(n / 2) * 1000, // two lines per second: ties are ordered by id
  commandKey: `desk-1:${String(n)}`,
  command: 'shipping.cancelDelivery',
  userId: `agent-${String(n % 2)}`,
  role: 'agent',
  desktopId: 'desk-1',
  issuedAt: T0,
  acceptedAt: T0,
  outcome: 'accepted',
  code: null,
  detail: null,
  customerId: `cust-${String(n % 3)}`,
  deliveryId: `del-${String(n % 5)}`,
  paymentId: null,
});
const LINES = Array.from({ length: 90 }, (_, n) => line(n));
const expected = (keep: (e: AuditEntry) => boolean, limit = 1000): string[] =>
  LINES.filter(keep)
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
    .slice(0, limit)
    .map((e) => e.id);

describe('audit search over the replica', () => {
  const path = join(dir, 'replica.sqlite');
  const db = openWritableReplica(path, 'plaintext');
  new RecordWriter(db).applyBatch([
    ...LINES.map((body, i) => ({ kind: 'audit', id: body.id, version: 1, seq: i + 1, body })),
    // Another kind with the same fields is never a hit.
    { kind: 'payment', id: 'pay-1', version: 1, seq: 999, body: { customerId: 'cust-1', at: T0 } },
  ]);
  const readDb = openReadableReplica(path, 'plaintext');
  const audit = new AuditSearch(readDb);
  const ids = (lines: AuditEntry[]): string[] => lines.map((e) => e.id);

  it('filters by customer, order, agent and time, newest first, bounded by the limit', () => {
    expect(ids(audit.search({}, 1000))).toEqual(expected(() => true));
    expect(ids(audit.search({}, 7))).toEqual(expected(() => true, 7));
    expect(ids(audit.search({ customerId: 'cust-1' }, 1000))).toEqual(
      expected((e) => e.customerId === 'cust-1'),
    );
    expect(ids(audit.search({ deliveryId: 'del-2', userId: 'agent-0' }, 1000))).toEqual(
      expected((e) => e.deliveryId === 'del-2' && e.userId === 'agent-0'),
    );
    const from = T0 + 10_000;
    const to = T0 + 30_000;
    expect(ids(audit.search({ userId: 'agent-1', from, to }, 1000))).toEqual(
      expected((e) => e.userId === 'agent-1' && e.at >= from && e.at <= to),
    );
    expect(() => audit.search({}, 0)).toThrow(RangeError);
  });

  it('reads an index range, never every audit line', () => {
    const plan = (where: string): string =>
      readDb
        .prepare<[], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT body FROM records INDEXED BY records_audit_customer
           WHERE kind = 'audit' AND ${where} ORDER BY json_extract(body, '$.at') DESC, id DESC LIMIT 5`,
        )
        .all()
        .map((r) => r.detail)
        .join(' | ');
    // The plan of the customer query: an index search and no sort step.
    const customer = plan("json_extract(body, '$.customerId') = 'cust-1'");
    expect(customer).toMatch(/SEARCH records USING INDEX records_audit_customer/);
    expect(customer).not.toMatch(/TEMP B-TREE/);
  });
});
