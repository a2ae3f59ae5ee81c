/**
 * The hub over real sockets with stock y-websocket providers, on PostgresDocStore (the local
 * PostgreSQL, a throwaway database for this file): the networked store behind the same port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { throwawayPostgres } from './test-support/throwaway-postgres';
import {
  BOARD,
  HubHarness,
  STATUS,
  synced,
  waitFor,
  type HarnessOptions,
  type StoreBackend,
} from './test-support/hub-harness';

const pg = throwawayPostgres();

describe('yjs hub on PostgresDocStore', () => {
  const harnesses: HubHarness[] = [];
  const start = async (schema: string, options: HarnessOptions = {}): Promise<HubHarness> => {
    const harness = await HubHarness.start({
      ...options,
      backend: async (): Promise<StoreBackend> => {
        const store = await pg.open(schema);
        return { store, close: () => store.close() };
      },
    });
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('two providers converge, and the store has it', async () => {
    const h = await start(pg.nextSchema());
    const a = h.provider(BOARD, 'agent-token');
    const b = h.provider(BOARD, 'fm-token');
    await Promise.all([synced(a.provider), synced(b.provider)]);
    a.doc.getText('notes').insert(0, 'call back at 5');
    b.doc.getMap('flags').set('order-17', 'urgent');
    await waitFor('convergence', () => {
      return (
        a.doc.getMap('flags').get('order-17') === 'urgent' &&
        b.doc.getText('notes').toJSON() === 'call back at 5'
      );
    });
    const stored = await h.stored(BOARD);
    expect(stored.getText('notes').toJSON()).toBe('call back at 5');
    expect(stored.getMap('flags').get('order-17')).toBe('urgent');
  });

  it('a restart of the hub keeps the document, compacted or not', async () => {
    const schema = pg.nextSchema();
    const first = await start(schema, { compactAfter: 5 });
    const a = first.provider(BOARD, 'agent-token');
    await synced(a.provider);
    const list = a.doc.getArray<number>('checklist');
    for (let i = 0; i < 12; i++) {
      list.push([i]);
      await waitFor(
        'edit stored',
        async () => (await first.stored(BOARD)).getArray('checklist').length === list.length,
      );
    }
    a.doc.getMap('claims').set('case-3', 'agent-1');
    await waitFor(
      'persisted',
      async () => (await first.stored(BOARD)).getMap('claims').get('case-3') === 'agent-1',
    );
    expect(
      await first.metric('fleetdesk_yjs_compactions_total', { mode: 'inline' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await first.store.count(BOARD)).toBeLessThan(13);
    await first.hub.serverTransact(STATUS, (doc) => doc.getMap('drones').set('d-1', 'charging'));
    const expected = list.toJSON();
    await first.stop();
    harnesses.splice(harnesses.indexOf(first), 1);

    const second = await start(schema);
    const b = second.provider(BOARD, 'fm-token');
    const s = second.provider(STATUS, 'sup-token');
    await Promise.all([synced(b.provider), synced(s.provider)]);
    expect(b.doc.getMap('claims').get('case-3')).toBe('agent-1');
    expect(b.doc.getArray('checklist').toJSON()).toEqual(expected);
    expect(Y.encodeStateVector(b.doc)).toEqual(Y.encodeStateVector(a.doc));
    expect(s.doc.getMap('drones').get('d-1')).toBe('charging');
  });
});
