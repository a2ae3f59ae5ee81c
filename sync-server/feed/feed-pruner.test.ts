/**
 * The periodic prune job: batches with a yield between them, the cutoff and
 * floor it passes to the store, failures that do not end it, and a stop that
 * waits for the batch in flight.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore, type FeedPruneResult, type FeedRetention } from '../records';
import { FeedPruner, type FeedPrunerEvents, type PrunePass } from './feed-pruner';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(): FeedPrunerEvents & {
  batches: number[];
  passes: PrunePass[];
  errors: unknown[];
} {
  const r = {
    batches: [] as number[],
    passes: [] as PrunePass[],
    errors: [] as unknown[],
    pruned: (n: number) => r.batches.push(n),
    passed: (p: PrunePass) => r.passes.push(p),
    failed: (e: unknown) => r.errors.push(e),
  };
  return r;
}

describe('FeedPruner', () => {
  it('prunes in batches down to the floor, leaving entries younger than the minimum age', async () => {
    const clock = { now: T0 };
    const store = new MemoryRecordStore({ now: () => clock.now });
    for (let i = 0; i < 30; i += 1) {
      clock.now = T0 + i * DAY;
      await store.transact(async (tx) => tx.put('drone', 'x', i + 1, {}));
    }
    const events = recorder();
    const options = { minAgeMs: 5 * DAY, keepNewest: 2, batchSize: 4, intervalMs: 1000 };
    // "Now" is day 30: entries 1–25 (days 0–24) are older than 5 days.
    const pass = await new FeedPruner(store, () => T0 + 30 * DAY, options, events).runPass();
    expect(pass).toMatchObject({ pruned: 25, batches: 7, oldestRetainedSeq: 26 });
    expect(events.batches).toEqual([4, 4, 4, 4, 4, 4, 1]);

    // With everything old, keepNewest is the floor.
    const later = await new FeedPruner(store, () => T0 + 99 * DAY, options, events).runPass();
    expect(later).toMatchObject({ pruned: 3, oldestRetainedSeq: 29 });
    expect(await store.highWaterMark()).toBe(30);
  });

  it('yields to the event loop between batches', async () => {
    const order: string[] = [];
    const store = {
      pruneFeed: (r: FeedRetention): Promise<FeedPruneResult> => {
        order.push('batch');
        const more = order.filter((o) => o === 'batch').length < 4;
        return Promise.resolve({ pruned: r.maxEntries, oldestRetainedSeq: 1, more });
      },
    };
    let ticking = true;
    const tick = (): void => {
      order.push('tick');
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const opts = { minAgeMs: 0, keepNewest: 1, batchSize: 10, intervalMs: 1000 };
    await new FeedPruner(store, Date.now, opts, recorder()).runPass();
    ticking = false;
    const batches = order.flatMap((o, i) => (o === 'batch' ? [i] : []));
    expect(batches).toHaveLength(4);
    for (let b = 1; b < batches.length; b += 1)
      expect(order.slice((batches[b - 1] ?? 0) + 1, batches[b])).toContain('tick');
  });

  it('runs a pass at start and then every interval; a failed pass is reported and the next one runs', async () => {
    let calls = 0;
    const store = {
      pruneFeed: (): Promise<FeedPruneResult> => {
        calls += 1;
        return calls === 2
          ? Promise.reject(new Error('disk I/O error'))
          : Promise.resolve({ pruned: 1, oldestRetainedSeq: calls, more: false });
      },
    };
    const events = recorder();
    const opts = { minAgeMs: 0, keepNewest: 1, batchSize: 10, intervalMs: 20 };
    const pruner = new FeedPruner(store, Date.now, opts, events);
    pruner.start();
    pruner.start(); // idempotent
    await sleep(150);
    await pruner.stop();
    const after = calls;
    await sleep(60);
    expect(calls).toBe(after); // stopped for good
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(events.errors).toHaveLength(1);
    expect(String(events.errors[0])).toMatch(/disk I\/O/);
    expect(events.passes).toHaveLength(calls - 1);
  });

  it('stop() waits for the batch in flight and runs no further batch of that pass', async () => {
    let inFlight = 0;
    let finished = 0;
    const store = {
      pruneFeed: async (): Promise<FeedPruneResult> => {
        inFlight += 1;
        await sleep(50);
        finished += 1;
        return { pruned: 10, oldestRetainedSeq: 1, more: true };
      },
    };
    const events = recorder();
    const opts = { minAgeMs: 0, keepNewest: 1, batchSize: 10, intervalMs: 10 };
    const pruner = new FeedPruner(store, Date.now, opts, events);
    pruner.start();
    while (inFlight === 0) await sleep(5);
    await pruner.stop();
    expect(finished).toBe(inFlight);
    expect(inFlight).toBe(1);
    expect(events.passes).toMatchObject([{ pruned: 10, batches: 1 }]);
  });
});
