import { afterEach, describe, expect, it } from 'vitest';
import type { DocStore } from '../store/doc-store.port';
import type { RejectReason } from './yjs-metrics';
import { BOARD, HubHarness, synced, waitFor, frame } from '../test-support/hub-harness';
import { partiallyApplyingUpdate } from '../test-support/bad-updates';

interface BadFrame {
  readonly name: string;
  readonly make: () => Uint8Array | string;
  readonly code: number;
  readonly reason: RejectReason;
}

const badFrames: BadFrame[] = [
  {
    name: 'garbage bytes',
    make: () => new Uint8Array([0xff, 0xff, 0xff, 0x0f, 0x42]),
    code: 1002,
    reason: 'malformed',
  },
  { name: 'a text frame', make: () => 'hello', code: 1002, reason: 'text-frame' },
  {
    name: 'a truncated varint',
    make: () => new Uint8Array([0x00, 0x80]),
    code: 1002,
    reason: 'malformed',
  },
  {
    name: 'an unknown message type',
    make: () => new Uint8Array([7]),
    code: 1002,
    reason: 'malformed',
  },
  {
    name: 'a length past the end',
    make: () => new Uint8Array([0, 2, 50, 1, 2]),
    code: 1002,
    reason: 'malformed',
  },
  {
    name: 'trailing bytes',
    make: () => new Uint8Array([...frame(0, 2, new Uint8Array([0, 0])), 9]),
    code: 1002,
    reason: 'malformed',
  },
  {
    name: 'an update that applies partially, then throws',
    make: () => frame(0, 2, partiallyApplyingUpdate()),
    code: 1002,
    reason: 'invalid-update',
  },
  {
    name: 'random bytes as an update',
    make: () => frame(0, 2, new Uint8Array([5, 200, 7, 1, 99, 3])),
    code: 1002,
    reason: 'invalid-update',
  },
  {
    name: 'a bad state vector',
    make: () => frame(0, 0, new Uint8Array([3, 0x80])),
    code: 1002,
    reason: 'malformed',
  },
  {
    name: 'a malformed awareness update',
    make: () => frame(1, new Uint8Array([1, 5, 1, 3, 0x7b, 0x7b, 0x7b])),
    code: 1002,
    reason: 'malformed',
  },
  {
    name: 'an oversize frame',
    make: () => new Uint8Array(100 * 1024),
    code: 1009,
    reason: 'too-big',
  },
];

describe('yjs hub: bad input closes only the offending socket', () => {
  const harnesses: HubHarness[] = [];
  const start = async (...args: Parameters<typeof HubHarness.start>): Promise<HubHarness> => {
    const harness = await HubHarness.start(...args);
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()));
  });

  it.each(badFrames)(
    '$name → close $code; others keep syncing, shared doc untouched',
    async (bad) => {
      const h = await start({ maxMessageBytes: 64 * 1024 });
      const a = h.provider(BOARD, 'agent-token');
      const b = h.provider(BOARD, 'fm-token');
      await Promise.all([synced(a.provider), synced(b.provider)]);
      a.doc.getText('notes').insert(0, 'before');
      await waitFor('before', () => b.doc.getText('notes').toJSON() === 'before');
      const rowsBefore = await h.store.count(BOARD);

      const raw = await h.raw(BOARD, 'sup-token');
      raw.ws.send(bad.make());
      expect((await raw.closed).code).toBe(bad.code);

      b.doc.getText('notes').insert(6, ' and after');
      await waitFor('after', () => a.doc.getText('notes').toJSON() === 'before and after');
      expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
      expect(await h.store.count(BOARD)).toBe(rowsBefore + 1);
      expect((await h.stored(BOARD)).getText('notes').toJSON()).toBe('before and after');
      const late = h.provider(BOARD, 'sup-token');
      await synced(late.provider);
      expect(late.doc.getText('notes').toJSON()).toBe('before and after');
      expect(await h.metric('fleetdesk_yjs_rejected_frames_total', { reason: bad.reason })).toBe(1);
    },
  );

  it('closes a client that exceeds its rate limit with 1008, and only that client', async () => {
    const h = await start({ rateLimit: { messagesPerSecond: 1, burst: 5 } });
    const noisy = await h.raw(BOARD, 'agent-token');
    const calm = await h.raw(BOARD, 'fm-token');
    for (let i = 0; i < 10; i++) noisy.ws.send(new Uint8Array([3]));
    expect((await noisy.closed).code).toBe(1008);
    expect(await h.metric('fleetdesk_yjs_rejected_frames_total', { reason: 'rate-limited' })).toBe(
      1,
    );
    calm.ws.send(new Uint8Array([3]));
    calm.ws.send(frame(0, 0, new Uint8Array([0])));
    await waitFor('calm answered', () => calm.received.some((m) => m[0] === 0 && m[1] === 1));
    expect(calm.ws.readyState).toBe(calm.ws.OPEN);
  });

  it('drops a socket that stops answering pings', async () => {
    const h = await start({ heartbeatMs: 40 });
    const silent = await h.raw(BOARD, 'agent-token');
    silent.ws.pause(); // reads nothing, so answers no ping
    const lively = await h.raw(BOARD, 'fm-token');
    await waitFor('silent dropped', () => h.hub.stats().sockets === 1);
    expect(lively.ws.readyState).toBe(lively.ws.OPEN);
  });

  it('if the store fails, nobody sees the update; clients reconnect and it lands once the store recovers', async () => {
    let failing = false;
    const h = await start({
      wrapStore: (store): DocStore => ({
        load: (name) => store.load(name),
        append: (name, update) =>
          failing ? Promise.reject(new Error('disk full')) : store.append(name, update),
        appendBatch: (entries) =>
          failing ? Promise.reject(new Error('disk full')) : store.appendBatch(entries),
        compact: (name, merged, upto) => store.compact(name, merged, upto),
        count: (name) => store.count(name),
        close: () => store.close(),
      }),
    });
    const a = h.provider(BOARD, 'agent-token');
    const b = h.provider(BOARD, 'fm-token');
    await Promise.all([synced(a.provider), synced(b.provider)]);
    const closeCodes: number[] = [];
    let bSawItBeforeClose = false;
    // Without DOM types the provider's CloseEvent is unresolved; ws's own event has `code`.
    b.provider.on('connection-close', (event: { code: number } | null) => {
      closeCodes.push(event?.code ?? 0);
      bSawItBeforeClose ||= b.doc.getText('notes').length > 0;
    });
    failing = true;
    a.doc.getText('notes').insert(0, 'unsaved');
    await waitFor('b closed', () => closeCodes.length > 0);
    expect(closeCodes[0]).toBe(1011);
    expect(bSawItBeforeClose).toBe(false);
    expect(await h.store.count(BOARD)).toBe(0);
    expect(await h.metric('fleetdesk_yjs_persist_failures_total')).toBe(1);

    failing = false;
    await waitFor('resent after reconnect', () => b.doc.getText('notes').toJSON() === 'unsaved');
    expect((await h.stored(BOARD)).getText('notes').toJSON()).toBe('unsaved');
  });
});
