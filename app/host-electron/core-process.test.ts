import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { validateCall } from '../contract';
import type { CoreCall, HostConfig, OperatorCore, OperatorEventListener } from '../host';
import type { CoreToShell } from './core-protocol';
import { runCoreProcess, type CorePort, type ParentPortLike } from './core-process';

// Plain-Node stand-ins for Electron's MessagePortMain and parentPort (electron cannot
// be imported in tests), and a test double for the core.

class FakePort extends EventEmitter implements CorePort {
  readonly sent: unknown[] = [];
  started = false;
  closed = false;
  postMessage(message: string): void {
    this.sent.push(JSON.parse(message));
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    this.closed = true;
  }
  /** The window side sends a frame. */
  deliver(frame: unknown): void {
    this.emit('message', { data: JSON.stringify(frame) });
  }
}

class FakeParent extends EventEmitter implements ParentPortLike {
  readonly sent: CoreToShell[] = [];
  postMessage(message: CoreToShell): void {
    this.sent.push(message);
  }
  send(data: unknown, ports: CorePort[] = []): void {
    this.emit('message', { data, ports });
  }
}

function fakeCore() {
  const listeners = new Set<OperatorEventListener>();
  let closed = false;
  const core: OperatorCore = {
    // A transport fake answers with the method name, not a contract output.
    call: ((name: unknown, payload: unknown) => {
      const valid = validateCall(name, payload);
      return Promise.resolve(valid.ok ? { ok: true, value: valid.value.method } : valid);
    }) as unknown as CoreCall,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  return { core, listeners, isClosed: () => closed };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('core utility process', () => {
  it('starts the core from argv, serves each connected port, and pushes events', async () => {
    const { core, listeners } = fakeCore();
    const parent = new FakeParent();
    const configs: unknown[] = [];
    const proc = runCoreProcess(
      (config) => {
        configs.push(config);
        return Promise.resolve(core);
      },
      parent,
      ['--server', 'http://127.0.0.1:4999', '--profile', '/p'],
      {},
      () => undefined,
    );
    await proc.ready;
    expect(configs).toEqual([{ syncServerUrl: 'http://127.0.0.1:4999', profileDir: '/p' }]);
    expect(parent.sent).toEqual([{ type: 'ready' }]);

    const port = new FakePort();
    parent.send({ type: 'connect' }, [port]);
    await tick();
    expect(port.started).toBe(true);
    // One at a time: answers may overtake each other by design (clients correlate by id).
    port.deliver({ id: 1, method: 'session.get', payload: {} });
    await tick();
    port.deliver({ id: 2, method: 'nope' });
    await tick();
    port.emit('message', { data: '{oops' });
    await tick();
    for (const l of listeners) l('collab.changed', { deliveryId: 'd-1' });
    expect(port.sent).toEqual([
      { id: 1, ok: true, value: 'session.get' },
      {
        id: 2,
        ok: false,
        error: expect.objectContaining({ code: 'API.UNKNOWN_METHOD' }) as unknown,
      },
      { id: null, ok: false, error: expect.objectContaining({ code: 'API.BAD_FRAME' }) as unknown },
      { event: 'collab.changed', payload: { deliveryId: 'd-1' } },
    ]);

    port.emit('close');
    expect(proc.sessions()).toBe(0);
    expect(listeners.size).toBe(0);
  });

  it('with keyFromShell, starts the core only once main sent a valid key, and hands that key over', async () => {
    const { core } = fakeCore();
    const parent = new FakeParent();
    const stores: HostConfig['keyStore'][] = [];
    const proc = runCoreProcess(
      (config) => {
        stores.push(config.keyStore);
        return Promise.resolve(core);
      },
      parent,
      ['--profile', '/p'],
      {},
      () => undefined,
      { keyFromShell: true },
    );
    await tick();
    parent.send({ type: 'key', key: 'not-hex', level: 'obfuscated', protection: 'x' });
    await tick();
    expect(stores).toEqual([]); // no start without a key, nor with a malformed one
    const hex = 'ab'.repeat(32);
    parent.send({ type: 'key', key: hex, level: 'obfuscated', protection: 'basic_text' });
    await proc.ready;
    expect((await stores[0]?.load())?.hex()).toBe(hex);
    expect(stores[0]?.protection()).toEqual({ level: 'obfuscated', description: 'basic_text' });
    await expect(stores[0]?.create()).rejects.toThrow(/cannot create/);
  });

  it('holds a port that connects before the core is ready, starting it only once served', async () => {
    const { core } = fakeCore();
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const parent = new FakeParent();
    const proc = runCoreProcess(
      async () => {
        await gate;
        return core;
      },
      parent,
      [],
      { FLEETDESK_PROFILE_DIR: '/p' },
      () => undefined,
    );
    const port = new FakePort();
    parent.send({ type: 'connect' }, [port]);
    await tick();
    expect(port.started).toBe(false);
    release();
    await proc.ready;
    await tick();
    expect(port.started).toBe(true);
    expect(proc.sessions()).toBe(1);
  });

  it('on shutdown closes the ports and the core, reports closed and exits 0', async () => {
    const { core, isClosed } = fakeCore();
    const parent = new FakeParent();
    const exits: number[] = [];
    const proc = runCoreProcess(
      () => Promise.resolve(core),
      parent,
      [],
      { FLEETDESK_PROFILE_DIR: '/p' },
      (c) => exits.push(c),
    );
    await proc.ready;
    const port = new FakePort();
    parent.send({ type: 'connect' }, [port]);
    parent.send({ type: 'bogus' });
    parent.send('shutdown');
    await tick();
    expect(proc.sessions()).toBe(1);
    parent.send({ type: 'shutdown' });
    await proc.stopped;
    expect([port.closed, isClosed(), exits]).toEqual([true, true, [0]]);
    expect(parent.sent).toEqual([{ type: 'ready' }, { type: 'closed' }]);
  });

  it('reports a core that cannot start and exits 1', async () => {
    const parent = new FakeParent();
    const exits: number[] = [];
    const proc = runCoreProcess(
      () => Promise.reject(new Error('replica is locked')),
      parent,
      [],
      { FLEETDESK_PROFILE_DIR: '/p' },
      (c) => exits.push(c),
    );
    await expect(proc.ready).rejects.toThrow('replica is locked');
    await tick();
    expect(parent.sent).toEqual([{ type: 'failed', message: 'replica is locked' }]);
    expect(exits).toEqual([1]);
  });
});
