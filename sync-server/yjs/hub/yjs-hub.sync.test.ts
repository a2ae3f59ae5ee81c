import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  BOARD,
  HubHarness,
  STATUS,
  synced,
  twoProvidersConverge,
  waitFor,
} from '../test-support/hub-harness';

describe('yjs hub: syncing with stock y-websocket providers', () => {
  const harnesses: HubHarness[] = [];
  const start = async (...args: Parameters<typeof HubHarness.start>): Promise<HubHarness> => {
    const harness = await HubHarness.start(...args);
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('two providers converge on a Y.Text and a Y.Map, and the store has it', async () => {
    const h = await start();
    await twoProvidersConverge(h);
    expect(await h.metric('fleetdesk_yjs_updates_total', { origin: 'client' })).toBeGreaterThan(0);
    // Commit latency and batch size, per stored batch.
    const text = await h.registry.metrics();
    expect(text).toMatch(/^fleetdesk_yjs_commit_seconds_count [1-9]/m);
    expect(text).toMatch(/^fleetdesk_yjs_commit_batch_updates_sum [1-9]/m);
  });

  it('a late joiner has the full state when its first sync completes, also after unload', async () => {
    const h = await start();
    const a = h.provider(BOARD, 'agent-token');
    await synced(a.provider);
    a.doc.getText('notes').insert(0, 'drone 7 low battery');
    await waitFor('persisted', async () => (await h.stored(BOARD)).getText('notes').length > 0);

    const late = h.provider(BOARD, 'sup-token');
    await synced(late.provider);
    // Checked at the synced event itself: no empty-doc flash.
    expect(late.doc.getText('notes').toJSON()).toBe('drone 7 low battery');

    a.provider.destroy();
    late.provider.destroy();
    await waitFor('doc unloaded', () => h.hub.stats().docs === 0);
    const fresh = h.provider(BOARD, 'fm-token');
    await synced(fresh.provider);
    expect(fresh.doc.getText('notes').toJSON()).toBe('drone 7 low battery');
  });

  it('state survives a server restart on the same SQLite file', async () => {
    const first = await HubHarness.start();
    const a = first.provider(BOARD, 'agent-token');
    await synced(a.provider);
    a.doc.getMap('claims').set('case-3', 'agent-1');
    await waitFor('persisted', async () => (await first.stored(BOARD)).getMap('claims').size === 1);
    await first.stop(true);

    const second = await start({ dir: first.dir });
    const b = second.provider(BOARD, 'fm-token');
    await synced(b.provider);
    expect(b.doc.getMap('claims').get('case-3')).toBe('agent-1');
  });

  it('serverTransact is persisted and reaches connected clients', async () => {
    const h = await start();
    const c = h.provider(STATUS, 'agent-token');
    await synced(c.provider);
    await h.hub.serverTransact(STATUS, (doc) => {
      doc.getMap('drones').set('d-1', 'charging');
    });
    // Persisted before broadcast: it is in the store the moment serverTransact resolves.
    expect((await h.stored(STATUS)).getMap('drones').get('d-1')).toBe('charging');
    await waitFor('server write', () => c.doc.getMap('drones').get('d-1') === 'charging');
    await expect(h.hub.serverTransact('nope', () => undefined)).rejects.toThrow(/unknown document/);
  });

  it('serverTransact on an unloaded doc loads it, writes, and unloads it again', async () => {
    const h = await start();
    await h.hub.serverTransact(STATUS, (doc) => doc.getMap('drones').set('d-2', 'idle'));
    expect(h.hub.stats().docs).toBe(1);
    await waitFor('unloaded', () => h.hub.stats().docs === 0);
    const c = h.provider(STATUS, 'sup-token');
    await synced(c.provider);
    expect(c.doc.getMap('drones').get('d-2')).toBe('idle');
  });

  it('compacts the log past the threshold and keeps the merged state identical', async () => {
    const first = await HubHarness.start({ compactAfter: 5 });
    const a = first.provider(BOARD, 'agent-token');
    const b = first.provider(BOARD, 'fm-token');
    await Promise.all([synced(a.provider), synced(b.provider)]);
    const list = a.doc.getArray<number>('checklist');
    for (let i = 0; i < 23; i++) {
      list.push([i]);
      if (i % 3 === 0) list.delete(0, 1);
      // One update per edit, as operators make them.
      await waitFor(
        'edit stored',
        async () => (await first.stored(BOARD)).getArray('checklist').length === list.length,
      );
    }
    expect(await first.store.count(BOARD)).toBeLessThanOrEqual(6);
    expect(
      await first.metric('fleetdesk_yjs_compactions_total', { mode: 'inline' }),
    ).toBeGreaterThanOrEqual(3);
    await waitFor('b converged', () => b.doc.getArray('checklist').length === list.length);
    const expected = list.toJSON();
    await first.stop(true);

    const second = await start({ dir: first.dir, compactAfter: 5 });
    const c = second.provider(BOARD, 'sup-token');
    await synced(c.provider);
    expect(c.doc.getArray('checklist').toJSON()).toEqual(expected);
    expect(Y.encodeStateVector(c.doc)).toEqual(Y.encodeStateVector(a.doc));
  });

  it('relays awareness and withdraws it when a client leaves', async () => {
    const h = await start();
    const a = h.provider(BOARD, 'agent-token');
    const b = h.provider(BOARD, 'fm-token');
    await Promise.all([synced(a.provider), synced(b.provider)]);
    a.provider.awareness.setLocalStateField('user', { name: 'agent-1' });
    const aId = a.doc.clientID;
    await waitFor('presence', () => b.provider.awareness.getStates().has(aId));
    // Hard drop (no goodbye message): the server must withdraw the presence itself.
    a.provider.ws?.close();
    a.provider.shouldConnect = false;
    await waitFor('presence withdrawn', () => !b.provider.awareness.getStates().has(aId));
  });

  it('close(1012) closes every socket with that code and refuses new upgrades with 503', async () => {
    const h = await start();
    const raw = await h.raw(BOARD, 'agent-token');
    await h.hub.close(1012);
    expect((await raw.closed).code).toBe(1012);
    expect(h.hub.stats()).toEqual({ sockets: 0, docs: 0 });
    expect(await h.refusal(`/yjs/${BOARD}?token=agent-token`)).toBe(503);
  });
});
