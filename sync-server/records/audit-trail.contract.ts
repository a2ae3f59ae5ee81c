/**
 * What every RecordStorePort must do with the audit trail (searchAudit, pruneAudit), run
 * against each store like record-store.contract.ts: a factory returns a fresh, empty store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../domain/protocol';
import type { RecordStorePort } from './record-store.port';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

/** Line n: customer cust-(n%3), order del-(n%5), agent agent-(n%2); two lines per minute. */
function line(n: number): AuditEntry {
  return {
    id: `desk-1:${String(n).padStart(4, '0')}#command`,
    event: 'command',
    at: T0 + Math.floor(n / 2) * MIN,
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
  };
}

const LINES = Array.from({ length: 60 }, (_, n) => line(n));
/** The trail's order: newest first, then id descending within one millisecond. */
const expected = (keep: (e: AuditEntry) => boolean): string[] =>
  LINES.filter(keep)
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
    .map((e) => e.id);

export function auditTrailContract(
  name: string,
  open: () => Promise<RecordStorePort> | RecordStorePort,
): void {
  describe(`audit trail contract: ${name}`, () => {
    let store: RecordStorePort;
    afterEach(async () => {
      await store.close();
    });
    const filled = async (): Promise<RecordStorePort> => {
      store = await open();
      await store.transact(async (tx) => {
        // Other kinds carry the same fields: a search must still return audit lines only.
        await tx.put('delivery', 'del-1', 1, { id: 'del-1', customerId: 'cust-1', at: T0 });
        for (const e of LINES) await tx.put('audit', e.id, 1, e);
      });
      return store;
    };
    const ids = (lines: AuditEntry[]): string[] => lines.map((e) => e.id);

    it('filters by customer, order, agent and time range, newest first', async () => {
      const s = await filled();
      const page = (query: Parameters<RecordStorePort['searchAudit']>[0]['query']) =>
        s.searchAudit({ query, before: null, limit: 1000 }).then(ids);
      expect(await page({})).toEqual(expected(() => true));
      expect(await page({ customerId: 'cust-1' })).toEqual(
        expected((e) => e.customerId === 'cust-1'),
      );
      expect(await page({ deliveryId: 'del-4', userId: 'agent-0' })).toEqual(
        expected((e) => e.deliveryId === 'del-4' && e.userId === 'agent-0'),
      );
      const from = T0 + 5 * MIN;
      const to = T0 + 20 * MIN;
      expect(await page({ userId: 'agent-1', from, to })).toEqual(
        expected((e) => e.userId === 'agent-1' && e.at >= from && e.at <= to),
      );
      expect(await page({ customerId: 'cust-9' })).toEqual([]);
    });

    it('pages with the last line as the position: every line once, in order', async () => {
      const s = await filled();
      for (const query of [{}, { customerId: 'cust-2' }, { from: T0 + 3 * MIN }]) {
        const seen: string[] = [];
        let before: AuditEntry | null = null;
        for (let pages = 0; pages < 100; pages += 1) {
          const page: AuditEntry[] = await s.searchAudit({ query, before, limit: 7 });
          seen.push(...ids(page));
          before = page.at(-1) ?? null;
          if (page.length < 7) break;
        }
        const all = await s.searchAudit({ query, before: null, limit: 1000 });
        expect(seen).toEqual(ids(all));
      }
    });

    it('prunes lines older than the cutoff in bounded batches and keeps the rest', async () => {
      const s = await filled();
      const cutoff = T0 + 10 * MIN; // lines 0-19 are older
      expect(await s.pruneAudit({ before: cutoff, maxEntries: 15 })).toEqual({
        pruned: 15,
        more: true,
      });
      expect(await s.pruneAudit({ before: cutoff, maxEntries: 15 })).toEqual({
        pruned: 5,
        more: false,
      });
      expect(await s.pruneAudit({ before: cutoff, maxEntries: 15 })).toEqual({
        pruned: 0,
        more: false,
      });
      const left = await s.searchAudit({ query: {}, before: null, limit: 1000 });
      expect(ids(left)).toEqual(expected((e) => e.at >= cutoff));
      expect(await s.get('audit', LINES[0]?.id ?? '')).toBeUndefined();
      expect(await s.get('delivery', 'del-1')).toBeDefined();
    });

    it('refuses a limit or batch that is not a positive integer', async () => {
      const s = await filled();
      await expect(s.searchAudit({ query: {}, before: null, limit: 0 })).rejects.toThrow(
        RangeError,
      );
      await expect(s.pruneAudit({ before: T0, maxEntries: 1.5 })).rejects.toThrow(RangeError);
    });
  });
}
