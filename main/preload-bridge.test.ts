import { describe, expect, it } from 'vitest';
import { createOperatorBridge, type BridgePort } from './preload-bridge';

/** A DOM-MessagePort-shaped fake: records what the window sends, lets the test answer. */
function fakePort() {
  const sent: { id: number; method: string; payload: unknown }[] = [];
  const port: BridgePort & { closed: boolean } = {
    closed: false,
    onmessage: null,
    postMessage: (text) => sent.push(JSON.parse(text) as (typeof sent)[number]),
    close() {
      this.closed = true;
    },
  };
  const reply = (frame: unknown) => port.onmessage?.({ data: JSON.stringify(frame) });
  return { port, sent, reply };
}

describe('preload operator bridge', () => {
  it('queues calls until a port arrives, then correlates answers by id', async () => {
    const { api, attach } = createOperatorBridge();
    const first = api.call('customers.get', { customerId: 'c-1' });
    const second = api.call('session.get', {});
    const { port, sent, reply } = fakePort();
    attach(port);
    expect(sent.map((f) => [f.id, f.method])).toEqual([
      [1, 'customers.get'],
      [2, 'session.get'],
    ]);
    reply({ id: 2, ok: false, error: { code: 'SESSION.NONE', message: 'Not signed in.' } });
    reply({ id: 1, ok: true, value: { name: 'Ada' } });
    expect(await first).toEqual({ ok: true, value: { name: 'Ada' } });
    expect(await second).toEqual({
      ok: false,
      error: { code: 'SESSION.NONE', message: 'Not signed in.' },
    });
  });

  it('delivers events to their listeners only, survives a throwing listener, and unsubscribes', () => {
    const { api, attach } = createOperatorBridge();
    const { port, reply } = fakePort();
    attach(port);
    const seen: string[] = [];
    api.on('collab.changed', () => {
      throw new Error('screen bug');
    });
    const off = api.on('collab.changed', (p) => seen.push(p.deliveryId));
    api.on('feed.progress', () => seen.push('wrong'));
    const quiet = console.error;
    console.error = () => undefined;
    try {
      reply({ event: 'collab.changed', payload: { deliveryId: 'd-1' } });
      off();
      reply({ event: 'collab.changed', payload: { deliveryId: 'd-2' } });
      port.onmessage?.({ data: 'not json' });
      port.onmessage?.({ data: 'null' });
      port.onmessage?.({ data: 42 });
    } finally {
      console.error = quiet;
    }
    expect(seen).toEqual(['d-1']);
  });

  it('resolves calls pending on a replaced port as API.DISCONNECTED and uses the new one', async () => {
    const { api, attach } = createOperatorBridge();
    const old = fakePort();
    attach(old.port);
    const lost = api.call('session.get', {});
    const next = fakePort();
    attach(next.port);
    expect(old.port.closed).toBe(true);
    expect(await lost).toMatchObject({ ok: false, error: { code: 'API.DISCONNECTED' } });
    const fresh = api.call('session.get', {});
    expect(next.sent).toHaveLength(1);
    next.reply({ id: next.sent[0]?.id, ok: true, value: null });
    expect(await fresh).toEqual({ ok: true, value: null });
  });

  it('turns a malformed answer into API.INTERNAL rather than throwing', async () => {
    const { api, attach } = createOperatorBridge();
    const { port, reply } = fakePort();
    attach(port);
    const call = api.call('session.get', {});
    reply({ id: 1, ok: false });
    expect(await call).toMatchObject({ ok: false, error: { code: 'API.INTERNAL' } });
  });
});
