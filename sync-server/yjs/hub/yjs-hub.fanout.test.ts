/**
 * Two hubs in one process, as two instances behind a load balancer: one shared store and an
 * in-process fan-out bus between them, stock y-websocket providers over real sockets.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryDocFanoutBus } from '../fanout/memory-doc-fanout';
import { MemoryDocStore } from '../store/memory-doc-store';
import { partiallyApplyingUpdate, randomBytesUpdate } from '../test-support/bad-updates';
import {
  crossInstanceSuite,
  pairsPerTest,
  type InstanceBackend,
} from '../test-support/cross-instance';
import { BOARD, synced, waitFor } from '../test-support/hub-harness';

/** One shared store and bus per test; `open` hands out one instance's endpoint of each. */
function sharedBackend(deliveryDelayMs = 0) {
  const state = { store: new MemoryDocStore(), bus: new MemoryDocFanoutBus(deliveryDelayMs) };
  return {
    state,
    reset: () => {
      state.store = new MemoryDocStore();
      state.bus = new MemoryDocFanoutBus(deliveryDelayMs);
    },
    open: (): Promise<InstanceBackend> =>
      Promise.resolve({
        store: state.store,
        fanout: state.bus.join(),
        close: () => Promise.resolve(),
      }),
  };
}

describe('two yjs hubs on one store with an in-process fan-out', () => {
  const shared = sharedBackend();
  const pairs = pairsPerTest(shared.open);
  const start: typeof pairs = (options) => {
    shared.reset();
    return pairs(options);
  };

  crossInstanceSuite(start);

  it('a garbage remote payload is dropped: no client sees any of it, and both hubs carry on', async () => {
    const { a, b } = await start();
    const onA = a.provider(BOARD, 'agent-token');
    const onB = b.provider(BOARD, 'fm-token');
    await Promise.all([synced(onA.provider), synced(onB.provider)]);
    onA.doc.getText('notes').insert(0, 'before');
    await waitFor('before on B', () => onB.doc.getText('notes').toJSON() === 'before');
    // Yjs applies part of the first ("EVIL") before it throws: that part must be undone.
    shared.state.bus.inject(BOARD, partiallyApplyingUpdate());
    shared.state.bus.inject(BOARD, randomBytesUpdate());
    for (const h of [a, b]) {
      await h.waitForMetric('fleetdesk_yjs_remote_updates_total', { result: 'invalid' }, 2);
    }
    onB.doc.getText('notes').insert(6, ' and after');
    await waitFor('after on A', () => onA.doc.getText('notes').toJSON() === 'before and after');
    expect(onB.doc.getText('notes').toJSON()).toBe('before and after');
    expect((await a.stored(BOARD)).getText('notes').toJSON()).toBe('before and after');
    // Nobody was disconnected for it.
    expect(a.hub.stats().sockets).toBe(1);
    expect(b.hub.stats().sockets).toBe(1);
    expect(await a.metric('fleetdesk_yjs_rejected_frames_total')).toBe(0);
  });

  it('after a bus outage, an instance catches up from the store with what it missed', async () => {
    const { a, b } = await start();
    const onA = a.provider(BOARD, 'agent-token');
    const onB = b.provider(BOARD, 'fm-token');
    await Promise.all([synced(onA.provider), synced(onB.provider)]);
    shared.state.bus.outage();
    onA.doc.getMap('claims').set('case-9', 'agent-1');
    // Stored and sent to A's own clients regardless; only the publish failed.
    await waitFor('stored', async () => (await a.stored(BOARD)).getMap('claims').size === 1);
    await a.waitForMetric('fleetdesk_yjs_fanout_publish_failures_total', {}, 1);
    expect(onB.doc.getMap('claims').size).toBe(0);
    shared.state.bus.restore();
    await waitFor('caught up on B', () => onB.doc.getMap('claims').get('case-9') === 'agent-1');
    expect(await b.metric('fleetdesk_yjs_fanout_catch_ups_total')).toBeGreaterThanOrEqual(1);
    // Caught up from the store: nothing was stored again.
    expect(await a.store.count(BOARD)).toBe(
      await a.metric('fleetdesk_yjs_updates_total', { origin: 'client' }),
    );
  });

  it('unloading a document ends its subscription', async () => {
    const { a } = await start();
    const onA = a.provider(BOARD, 'agent-token');
    await synced(onA.provider);
    expect(shared.state.bus.subscribers(BOARD)).toBe(1);
    onA.provider.destroy();
    await waitFor('unloaded', () => a.hub.stats().docs === 0);
    expect(shared.state.bus.subscribers(BOARD)).toBe(0);
  });
});

describe('inline compaction with another instance writing the same document', () => {
  // Messages take 200 ms: A compacts while B's updates (lower seqs than A's) are still on the way.
  const shared = sharedBackend(200);
  const pairs = pairsPerTest(shared.open);

  it('never drops rows of the other instance that have not reached this one yet', async () => {
    shared.reset();
    const { a, b } = await pairs({ compactAfter: 4 });
    const onA = a.provider(BOARD, 'agent-token');
    const onB = b.provider(BOARD, 'fm-token');
    await Promise.all([synced(onA.provider), synced(onB.provider)]);
    const fromB = onB.doc.getArray<string>('fromB');
    for (let i = 0; i < 3; i += 1) {
      fromB.push([`b${i}`]);
      await waitFor('B stored', async () => (await b.store.count(BOARD)) === i + 1);
    }
    const fromA = onA.doc.getArray<string>('fromA');
    for (let i = 0; i < 8; i += 1) {
      fromA.push([`a${i}`]);
      await waitFor(
        'A stored',
        async () => (await a.stored(BOARD)).getArray('fromA').length === i + 1,
      );
    }
    expect(await a.metric('fleetdesk_yjs_compactions_total', { mode: 'inline' })).toBeGreaterThan(
      0,
    );
    expect(await a.store.count(BOARD)).toBeLessThan(11);
    const stored = await a.stored(BOARD);
    expect(stored.getArray('fromB').toJSON()).toEqual(['b0', 'b1', 'b2']);
    expect(stored.getArray('fromA').length).toBe(8);
    await waitFor('converged', () => onB.doc.getArray('fromA').length === 8);
    expect(Y.encodeStateVector(stored)).toEqual(Y.encodeStateVector(onB.doc));
  });
});
