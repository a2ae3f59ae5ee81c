/**
 * The hub over real sockets with stock y-websocket providers, on PostgresDocStore (the local
 * PostgreSQL, a throwaway database for this file): the networked store behind the same port.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PostgresDocStore } from '../store/postgres-doc-store';
import { throwawayPostgres } from '../../test-support/throwaway-postgres';
import {
  BOARD,
  harnessPerTest,
  type HubHarness,
  STATUS,
  synced,
  twoProvidersConverge,
  waitFor,
  type HarnessOptions,
  type StoreBackend,
} from '../test-support/hub-harness';

const db = throwawayPostgres({ databasePrefix: 'fd_yjs_test', schemaPrefix: 'yjs' });
const pg = {
  nextSchema: () => db.nextSchema(),
  open: (schema: string) => PostgresDocStore.open(db.url, { schema, onError: db.onPoolError }),
};

describe('yjs hub on PostgresDocStore', () => {
  const harness = harnessPerTest();
  const start = (schema: string, options: HarnessOptions = {}): Promise<HubHarness> =>
    harness({
      ...options,
      backend: async (): Promise<StoreBackend> => {
        const store = await pg.open(schema);
        return { store, close: () => store.close() };
      },
    });

  it('two providers converge, and the store has it', async () => {
    const h = await start(pg.nextSchema());
    await twoProvidersConverge(h);
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
    await first.stop(); // stop() again after the test only waits for this one

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
