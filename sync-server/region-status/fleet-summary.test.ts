import { describe, expect, it } from 'vitest';
import { MemoryRecordStore, type RecordStorePort } from '../records';
import { FleetSummary } from './fleet-summary';

const put = (
  store: RecordStorePort,
  kind: 'drone' | 'delivery',
  id: string,
  version: number,
  body: object,
) => store.transact(async (tx) => tx.put(kind, id, version, body));

describe('FleetSummary', () => {
  it('counts drones by status and deliveries in flight, then follows the feed', async () => {
    const store = new MemoryRecordStore();
    await put(store, 'drone', 'd1', 1, { status: 'idle' });
    await put(store, 'drone', 'd2', 1, { status: 'in-flight' });
    await put(store, 'delivery', 'x1', 1, { stage: 'created' });
    await put(store, 'delivery', 'x2', 1, { stage: 'picked-up' });
    await store.transact(async (tx) => tx.put('account', 'a1', 1, { name: 'not fleet' }));
    const summary = new FleetSummary(store);
    expect(await summary.current()).toEqual({
      dronesByStatus: { idle: 1, charging: 0, 'in-flight': 1, landed: 0, maintenance: 0 },
      deliveriesInFlight: 1,
    });

    await put(store, 'drone', 'd1', 2, { status: 'in-flight' });
    await put(store, 'delivery', 'x1', 2, { stage: 'en-route-to-pickup' });
    await put(store, 'delivery', 'x2', 2, { stage: 'completed' });
    await put(store, 'drone', 'd3', 1, { status: 'charging' });
    expect(await summary.current()).toEqual({
      dronesByStatus: { idle: 0, charging: 1, 'in-flight': 2, landed: 0, maintenance: 0 },
      deliveriesInFlight: 1,
    });
  });

  it('pages through a long feed and starts over when the feed was pruned past it', async () => {
    const store = new MemoryRecordStore();
    const summary = new FleetSummary(store);
    await summary.current();
    for (let v = 1; v <= 1500; v += 1) {
      await put(store, 'delivery', `x${v % 3}`, Math.ceil(v / 3), {
        stage: v > 1497 ? 'headed-to-dropoff' : 'scheduled',
      });
    }
    expect((await summary.current()).deliveriesInFlight).toBe(3);

    const behind = new FleetSummary(store);
    await behind.current();
    // d2's entry is pruned before this summary saw it; only the records still know it.
    await put(store, 'drone', 'd2', 1, { status: 'maintenance' });
    await put(store, 'drone', 'd1', 1, { status: 'idle' });
    await store.pruneFeed({ writtenBefore: Date.now() + 1, keepNewest: 1, maxEntries: 10_000 });
    expect(await behind.current()).toMatchObject({
      dronesByStatus: { idle: 1, maintenance: 1 },
      deliveriesInFlight: 3,
    });
  });
});
