import { describe, expect, it } from 'vitest';
import { validateCall, type ApiResult, type OperatorEventName } from '../contract';
import {
  decodeRequestFrame,
  encodeFrame,
  FRAME_ERROR,
  handleFrame,
  MAX_FRAME_BYTES,
  openApiSession,
  type ServerFrame,
} from './api-frames';
import type { CoreCall, OperatorCore, OperatorEventListener } from './operator-core.port';

/** Test double for the real core: validates like it, echoes the input, emits on demand. */
function fakeCore(answer?: (method: string, input: unknown) => Promise<ApiResult<unknown>>) {
  const listeners = new Set<OperatorEventListener>();
  const core: OperatorCore = {
    // A transport fake answers with the parsed call (or `answer`), not a contract output.
    call: ((name: unknown, payload: unknown): Promise<ApiResult<unknown>> => {
      const valid = validateCall(name, payload);
      if (!valid.ok) return Promise.resolve(valid);
      const { method, input } = valid.value;
      return answer
        ? answer(method, input)
        : Promise.resolve({ ok: true, value: { method, input } });
    }) as unknown as CoreCall,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => Promise.resolve(),
  };
  const emit = (event: OperatorEventName, payload: unknown): void => {
    for (const l of listeners) l(event, payload as never);
  };
  return { core, emit, listeners };
}

describe('decodeRequestFrame', () => {
  it.each([
    ['not json', null],
    ['[1,2]', null],
    ['null', null],
    ['{"method":"session.get"}', null],
    ['{"id":-1,"method":"session.get"}', null],
    ['{"id":1.5,"method":"session.get"}', null],
    ['{"id":"7","method":"session.get"}', null],
    ['{"id":7}', 7],
    ['{"id":7,"method":42}', 7],
  ])('refuses %s as a bad frame (id %s)', (raw, id) => {
    const decoded = decodeRequestFrame(raw);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.response).toMatchObject({
      id,
      ok: false,
      error: { code: FRAME_ERROR.badFrame },
    });
  });

  it('refuses non-text frames and frames over the byte limit, counting UTF-8 bytes', () => {
    expect(decodeRequestFrame(new Uint8Array(3))).toMatchObject({ ok: false });
    // 100k three-byte characters: under the limit in UTF-16 units, over it in UTF-8 bytes.
    const wide = JSON.stringify({ id: 1, method: 'notes.add', payload: { text: '€'.repeat(1e5) } });
    expect(wide.length).toBeLessThan(MAX_FRAME_BYTES);
    const decoded = decodeRequestFrame(wide);
    expect(decoded).toMatchObject({
      ok: false,
      response: { id: null, ok: false, error: { code: 'API.FRAME_TOO_LARGE' } },
    });
  });

  it('accepts a frame without payload and ignores unknown keys', () => {
    expect(decodeRequestFrame('{"id":0,"method":"session.get","extra":1}')).toEqual({
      ok: true,
      frame: { id: 0, method: 'session.get', payload: undefined },
    });
  });
});

describe('handleFrame', () => {
  it('answers a valid call with the same id', async () => {
    const { core } = fakeCore();
    const raw = JSON.stringify({ id: 3, method: 'customers.get', payload: { customerId: 'c-1' } });
    expect(await handleFrame(core, raw)).toEqual({
      id: 3,
      ok: true,
      value: { method: 'customers.get', input: { customerId: 'c-1' } },
    });
  });

  it('passes the core refusal through for unknown methods and bad payloads', async () => {
    const { core } = fakeCore();
    const unknown = await handleFrame(core, '{"id":1,"method":"fs.readFile","payload":{}}');
    expect(unknown).toMatchObject({ id: 1, ok: false, error: { code: 'API.UNKNOWN_METHOD' } });
    const bad = await handleFrame(core, '{"id":2,"method":"customers.get","payload":{"x":1}}');
    expect(bad).toMatchObject({ id: 2, ok: false, error: { code: 'API.INVALID_INPUT' } });
  });

  it('turns a core that throws into API.INTERNAL and a missing value into null', async () => {
    const throwing = fakeCore(() => Promise.reject(new Error('bug'))).core;
    expect(await handleFrame(throwing, '{"id":4,"method":"session.get"}')).toMatchObject({
      id: 4,
      error: { code: 'API.INTERNAL' },
    });
    const voidCore = fakeCore(() => Promise.resolve({ ok: true, value: undefined })).core;
    expect(await handleFrame(voidCore, '{"id":5,"method":"session.get"}')).toEqual({
      id: 5,
      ok: true,
      value: null,
    });
  });
});

describe('encodeFrame', () => {
  it('turns an unencodable value into an API.INTERNAL refusal for the same id', () => {
    const unencodable = { id: 9, ok: true, value: 1n } as unknown as ServerFrame;
    expect(JSON.parse(encodeFrame(unencodable))).toMatchObject({
      id: 9,
      ok: false,
      error: { code: 'API.INTERNAL' },
    });
  });
});

describe('openApiSession', () => {
  it('pushes events in order, answers calls, and stops after close', async () => {
    const { core, emit, listeners } = fakeCore();
    const sent: unknown[] = [];
    const session = openApiSession(core, (t) => sent.push(JSON.parse(t)));
    emit('collab.changed', { deliveryId: 'd-1' });
    emit('collab.changed', { deliveryId: 'd-2' });
    await session.receive('{"id":1,"method":"session.get"}');
    expect(sent).toEqual([
      { event: 'collab.changed', payload: { deliveryId: 'd-1' } },
      { event: 'collab.changed', payload: { deliveryId: 'd-2' } },
      { id: 1, ok: true, value: { method: 'session.get', input: {} } },
    ]);
    session.close();
    session.close();
    expect(listeners.size).toBe(0);
    await session.receive('{"id":2,"method":"session.get"}');
    expect(sent).toHaveLength(3);
  });

  it('refuses calls beyond the in-flight bound with API.BUSY and recovers', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { core } = fakeCore(async () => {
      await gate;
      return { ok: true, value: 'slow' };
    });
    const sent: { id: number; ok: boolean; error?: { code: string } }[] = [];
    const session = openApiSession(core, (t) => sent.push(JSON.parse(t) as never), {
      maxInFlight: 2,
    });
    const first = [1, 2].map((id) => session.receive(`{"id":${id},"method":"session.get"}`));
    await session.receive('{"id":3,"method":"session.get"}');
    expect(sent.map((f) => [f.id, f.error?.code])).toEqual([[3, 'API.BUSY']]);
    release();
    await Promise.all(first);
    await session.receive('{"id":4,"method":"session.get"}');
    expect(sent.map((f) => [f.id, f.ok])).toEqual([
      [3, false],
      [1, true],
      [2, true],
      [4, true],
    ]);
  });

  it('survives a send that throws', async () => {
    const { core, emit } = fakeCore();
    const session = openApiSession(core, () => {
      throw new Error('socket closed');
    });
    expect(() => emit('collab.changed', { deliveryId: 'd-1' })).not.toThrow();
    await expect(session.receive('{"id":1,"method":"session.get"}')).resolves.toBeUndefined();
  });
});
