import { afterEach, expect, it } from 'vitest';
import type { DocFanout } from '../fanout/doc-fanout.port';
import type { DocStore } from '../store/doc-store.port';
import { BOARD, HubHarness, STATUS, synced, waitFor, type HarnessOptions } from './hub-harness';

/** What one instance runs on: its view of the shared store, its fan-out endpoint. */
export interface InstanceBackend {
  readonly store: DocStore;
  readonly fanout: DocFanout;
  /** Lets go of what this instance opened (after its hub closed). */
  close(): Promise<void>;
}

/** Two hubs ("instances") over real sockets on one shared store, each with its own fan-out. */
export interface InstancePair {
  readonly a: HubHarness;
  readonly b: HubHarness;
}

/**
 * A `start` for a describe block: `open` is called once per instance; every pair is stopped
 * after each test (hubs first, then what each instance opened).
 */
export function pairsPerTest(
  open: () => Promise<InstanceBackend>,
): (options?: HarnessOptions) => Promise<InstancePair> {
  const harnesses: HubHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });
  const instance = async (options: HarnessOptions): Promise<HubHarness> => {
    const backend = await open();
    const harness = await HubHarness.start({
      ...options,
      fanout: backend.fanout,
      backend: () => Promise.resolve({ store: backend.store, close: () => backend.close() }),
    });
    harnesses.push(harness);
    return harness;
  };
  return async (options = {}) => ({ a: await instance(options), b: await instance(options) });
}

const clientUpdates = async (h: HubHarness): Promise<number> =>
  h.metric('fleetdesk_yjs_updates_total', { origin: 'client' });

/** What every fan-out must do for two hubs on one store, over stock providers. */
export function crossInstanceSuite(start: (options?: HarnessOptions) => Promise<InstancePair>) {
  it('a client on each instance: both converge live, and each update is stored once', async () => {
    const { a, b } = await start();
    const onA = a.provider(BOARD, 'agent-token');
    const onB = b.provider(BOARD, 'fm-token');
    await Promise.all([synced(onA.provider), synced(onB.provider)]);
    onA.doc.getText('notes').insert(0, 'call back at 5');
    onB.doc.getMap('flags').set('order-17', 'urgent');
    for (let i = 0; i < 5; i += 1) onA.doc.getArray<number>('checklist').push([i]);
    await waitFor('convergence across instances', () => {
      return (
        onA.doc.getMap('flags').get('order-17') === 'urgent' &&
        onB.doc.getText('notes').toJSON() === 'call back at 5' &&
        onB.doc.getArray('checklist').length === 5
      );
    });
    // Every stored row is an update a hub accepted from its own client: the fan-out stored none.
    const accepted = (await clientUpdates(a)) + (await clientUpdates(b));
    expect(await a.store.count(BOARD)).toBe(accepted);
    expect(await a.metric('fleetdesk_yjs_remote_updates_total', { result: 'applied' })).toBe(
      await clientUpdates(b),
    );
    const stored = await b.stored(BOARD);
    expect(stored.getText('notes').toJSON()).toBe('call back at 5');
    expect(stored.getArray('checklist').toJSON()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a document loaded on B after A wrote it has everything, then both see each other live', async () => {
    const { a, b } = await start();
    const onA = a.provider(BOARD, 'agent-token');
    await synced(onA.provider);
    onA.doc.getMap('claims').set('case-3', 'agent-1');
    await waitFor('stored', async () => (await a.stored(BOARD)).getMap('claims').size === 1);

    const onB = b.provider(BOARD, 'sup-token');
    await synced(onB.provider);
    expect(onB.doc.getMap('claims').get('case-3')).toBe('agent-1');
    onA.doc.getMap('claims').set('case-4', 'agent-1');
    onB.doc.getMap('claims').set('case-5', 'sup-1');
    await waitFor('both live', () => {
      return (
        onB.doc.getMap('claims').get('case-4') === 'agent-1' && onA.doc.getMap('claims').size === 3
      );
    });
  });

  it('a server write on one instance reaches the clients of the other', async () => {
    const { a, b } = await start();
    const onB = b.provider(STATUS, 'agent-token');
    await synced(onB.provider);
    await a.hub.serverTransact(STATUS, (doc) => doc.getMap('drones').set('d-1', 'charging'));
    await waitFor('server write on B', () => onB.doc.getMap('drones').get('d-1') === 'charging');
  });
}
