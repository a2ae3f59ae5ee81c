/**
 * The hub on a store whose calls take real time (a networked store), over real sockets: loads
 * and appends are held back by hand, around the SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocStore } from '../store/doc-store.port';
import {
  BOARD,
  DISPATCH,
  defaultPrincipals,
  frame,
  HubHarness,
  synced,
  waitFor,
} from '../test-support/hub-harness';

const emptyStateVector = (): Uint8Array => Y.encodeStateVector(new Y.Doc());

/** A store whose loads wait for `releaseLoads()` while `holdLoads` is set. */
class SlowStore implements DocStore {
  loads = 0;
  holdLoads = false;
  failLoadsOf: string | null = null;
  appendDelayMs = 0;
  private held: (() => void)[] = [];
  constructor(private readonly inner: DocStore) {}
  async load(docName: string): Promise<Uint8Array[]> {
    this.loads += 1;
    if (this.holdLoads) await new Promise<void>((resolve) => this.held.push(resolve));
    if (docName === this.failLoadsOf) throw new Error('connection lost');
    return this.inner.load(docName);
  }
  releaseLoads(): void {
    this.holdLoads = false;
    for (const release of this.held.splice(0)) release();
  }
  append(docName: string, update: Uint8Array): Promise<number> {
    return this.inner.append(docName, update);
  }
  async appendBatch(entries: Parameters<DocStore['appendBatch']>[0]): Promise<number[]> {
    const copies = entries.map((e) => ({ docName: e.docName, update: e.update.slice() }));
    if (this.appendDelayMs > 0) await new Promise((r) => setTimeout(r, this.appendDelayMs));
    return this.inner.appendBatch(copies);
  }
  compact(docName: string, merged: Uint8Array, uptoSeq: number): Promise<void> {
    return this.inner.compact(docName, merged, uptoSeq);
  }
  count(docName: string): Promise<number> {
    return this.inner.count(docName);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('yjs hub on a store that takes real time', () => {
  const harnesses: HubHarness[] = [];
  let slow: SlowStore | undefined;
  const start = async (
    options: Parameters<typeof HubHarness.start>[0] = {},
  ): Promise<{ h: HubHarness; store: SlowStore }> => {
    const h = await HubHarness.start({
      ...options,
      wrapStore: (inner) => (slow = new SlowStore(inner)),
    });
    harnesses.push(h);
    if (slow === undefined) throw new Error('no store');
    return { h, store: slow };
  };
  afterEach(async () => {
    slow?.releaseLoads(); // close waits for loads under way
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it('connections to an unloaded doc share one load; their frames wait for it, in order; nothing is sent before', async () => {
    const { h, store } = await start();
    const writer = h.provider(BOARD, 'agent-token');
    await synced(writer.provider);
    writer.doc.getText('notes').insert(0, 'stored before');
    await waitFor('stored', async () => (await h.stored(BOARD)).getText('notes').length > 0);
    writer.provider.destroy();
    await waitFor('unloaded', () => h.hub.stats().docs === 0);

    store.holdLoads = true;
    const loadsBefore = store.loads;
    const [one, two] = await Promise.all([h.raw(BOARD, 'fm-token'), h.raw(BOARD, 'sup-token')]);
    // Sent while the doc is loading: a sync step 1, then an update of this client's own.
    const mine = new Y.Doc();
    mine.getMap('flags').set('order-1', 'urgent');
    one.ws.send(frame(0, 0, emptyStateVector()));
    one.ws.send(frame(0, 2, Y.encodeStateAsUpdate(mine)));
    two.ws.send(frame(0, 0, emptyStateVector()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.loads - loadsBefore).toBe(1);
    expect(one.received).toEqual([]);
    expect(two.received).toEqual([]);

    store.releaseLoads();
    // step 1 (server's), then the step 2 answering the client's step 1.
    await waitFor('replies', () => one.received.length >= 2 && two.received.length >= 2);
    expect([...(one.received[0] ?? [])].slice(0, 2)).toEqual([0, 0]);
    expect([...(one.received[1] ?? [])].slice(0, 2)).toEqual([0, 1]);
    const shown = new Y.Doc();
    const step2 = one.received[1] ?? new Uint8Array();
    Y.applyUpdate(shown, step2.slice(3)); // [0, 1, varint length < 128, update]
    expect(shown.getText('notes').toJSON()).toBe('stored before');
    await waitFor(
      'the held update is applied and stored',
      async () => (await h.stored(BOARD)).getMap('flags').get('order-1') === 'urgent',
    );
  });

  it('a load that fails closes the sockets waiting for it with 1011, not the others', async () => {
    const { h, store } = await start();
    const other = h.provider(DISPATCH, 'fm-token');
    await synced(other.provider);
    store.failLoadsOf = BOARD;
    const waiting = await h.raw(BOARD, 'agent-token');
    expect((await waiting.closed).code).toBe(1011);
    expect(other.provider.wsconnected).toBe(true);
    store.failLoadsOf = null;
    const again = h.provider(BOARD, 'agent-token');
    await synced(again.provider); // a failed load is not cached
  });

  it('too many frames held while loading closes that socket with 1008', async () => {
    const { h, store } = await start({ rateLimit: { messagesPerSecond: 1000, burst: 5 } });
    store.holdLoads = true;
    const noisy = await h.raw(BOARD, 'agent-token');
    const calm = await h.raw(BOARD, 'fm-token');
    // Within the bucket's burst, then more once it refilled: the held frames exceed the burst.
    for (let i = 0; i < 5; i++) noisy.ws.send(new Uint8Array([3]));
    calm.ws.send(new Uint8Array([3]));
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (let i = 0; i < 2; i++) noisy.ws.send(new Uint8Array([3]));
    expect((await noisy.closed).code).toBe(1008);
    store.releaseLoads();
    calm.ws.send(frame(0, 0, emptyStateVector()));
    await waitFor('calm answered', () => calm.received.some((m) => m[0] === 0 && m[1] === 1));
    expect(calm.ws.readyState).toBe(calm.ws.OPEN);
  });

  it('with slow appends, clients still converge, and a late joiner sees only stored state', async () => {
    const { h, store } = await start();
    store.appendDelayMs = 15;
    const a = h.provider(BOARD, 'agent-token');
    const b = h.provider(BOARD, 'fm-token');
    await Promise.all([synced(a.provider), synced(b.provider)]);
    for (let i = 0; i < 10; i++) a.doc.getArray<number>('list').push([i]);
    const late = h.provider(BOARD, 'sup-token');
    await synced(late.provider);
    // Whatever the joiner was shown is in the store already.
    const shownLength = late.doc.getArray('list').length;
    expect((await h.stored(BOARD)).getArray('list').length).toBeGreaterThanOrEqual(shownLength);
    await waitFor('converged', () => {
      return b.doc.getArray('list').length === 10 && late.doc.getArray('list').length === 10;
    });
    await h.hub.serverTransact(BOARD, (doc) => doc.getMap('server').set('k', 'v'));
    expect((await h.stored(BOARD)).getMap('server').get('k')).toBe('v');
  });

  it('a rejected update while appends are slow: no part of it reaches the store or a client', async () => {
    const { h, store } = await start();
    store.appendDelayMs = 20;
    const a = h.provider(BOARD, 'agent-token');
    const b = h.provider(BOARD, 'fm-token');
    await Promise.all([synced(a.provider), synced(b.provider)]);
    const raw = await h.raw(BOARD, 'sup-token');
    a.doc.getText('notes').insert(0, 'before');
    // Applies "EVIL", then throws on its cut-short delete set.
    const evil = new Y.Doc();
    evil.getText('notes').insert(0, 'EVILxyz');
    evil.getText('notes').delete(4, 3);
    const bad = Y.encodeStateAsUpdate(evil);
    await new Promise((resolve) => setTimeout(resolve, 5)); // 'before' is in flight now
    raw.ws.send(frame(0, 2, bad.slice(0, bad.length - 1)));
    b.doc.getMap('flags').set('k', 'meanwhile'); // its own type: no order to race on
    expect((await raw.closed).code).toBe(1002);
    const converged = (doc: Y.Doc): boolean =>
      doc.getText('notes').toJSON() === 'before' && doc.getMap('flags').get('k') === 'meanwhile';
    await waitFor('converged', () => converged(a.doc) && converged(b.doc));
    expect(converged(await h.stored(BOARD))).toBe(true);
    const late = h.provider(BOARD, 'sup-token');
    await synced(late.provider);
    expect(converged(late.doc)).toBe(true);
  });

  it('a frame held while the doc loads is not applied if the token ran out meanwhile (4001)', async () => {
    // The clock is the hub's; the expiry timer is armed for real time, so it cannot close the
    // socket first: only the check when the held frames are handled can.
    let skew = 0;
    const principals = defaultPrincipals();
    principals['short-token'] = {
      userId: 'agent-2',
      role: 'agent',
      expiresAt: Date.now() + 60_000,
    };
    const { h, store } = await start({ principals, now: () => Date.now() + skew });
    store.holdLoads = true;
    const raw = await h.raw(BOARD, 'short-token');
    const mine = new Y.Doc();
    mine.getMap('flags').set('order-1', 'written after expiry');
    raw.ws.send(frame(0, 2, Y.encodeStateAsUpdate(mine)));
    await new Promise((resolve) => setTimeout(resolve, 30)); // held: the doc is still loading
    skew = 120_000;
    store.releaseLoads();
    expect((await raw.closed).code).toBe(4001);
    expect((await h.stored(BOARD)).getMap('flags').has('order-1')).toBe(false);
  });
});
