import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { jitteredWebSocket } from './jittered-websocket';

let server: WebSocketServer;
let url = '';
const opened: number[] = [];
beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Each connection gets one message and is dropped, like a restarting server.
  server.on('connection', (ws, req) => {
    opened.push(performance.now());
    if (req.url === '/silent') ws.close();
    else ws.send('hello', () => ws.close());
  });
});
afterAll(() => server.close());

function connect(Ws: typeof globalThis.WebSocket, path = ''): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const ws = new Ws(`${url}${path}`);
    ws.onclose = () => resolve(performance.now() - started);
  });
}

describe('jitteredWebSocket', () => {
  it('opens at once, then waits a full-jitter delay after each failed attempt', async () => {
    let draws = 0;
    const random = (): number => ((draws += 1), 0.5);
    const Ws = jitteredWebSocket({ baseMs: 200, capMs: 1000, random });
    await connect(Ws, '/silent');
    expect(draws).toBe(0); // first attempt: no wait (upper time bounds are flaky on a busy machine)
    const n = opened.length;
    // One failure: up to 200·2¹ = 400 ms, half of it with random 0.5.
    expect(await connect(Ws, '/silent')).toBeGreaterThanOrEqual(190);
    // Two failures: 200·2² = 800, half → ≥ 400 ms.
    expect(await connect(Ws, '/silent')).toBeGreaterThanOrEqual(390);
    expect(draws).toBe(2);
    expect(opened.length).toBe(n + 2);
  });

  it('waits after the drop of a good connection too, from the smallest window again', async () => {
    let draws = 0;
    const Ws = jitteredWebSocket({ baseMs: 200, capMs: 1000, random: () => ((draws += 1), 1) });
    await connect(Ws, '/silent');
    await connect(Ws); // waited once (≥ 400 ms), then answered with a message before the drop
    expect(draws).toBe(1);
    // A server restart drops every desk at once: the reconnect after it is jittered too,
    // but from 200·2¹ again (≥ 390 ms with random 1), not from where the failures had got to.
    const waited = await connect(Ws);
    expect(draws).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(390);
  });

  it('can be closed while it waits, without ever connecting', async () => {
    const Ws = jitteredWebSocket({ baseMs: 5000, capMs: 5000, random: () => 1 });
    await connect(Ws, '/silent');
    const n = opened.length;
    const ws = new Ws(`${url}/silent`);
    const closed = new Promise((r) => (ws.onclose = r));
    ws.close();
    await closed;
    expect(ws.readyState).toBe(3);
    expect(opened.length).toBe(n);
  });
});
