/**
 * Hostile clients on the socket boundaries (Yjs documents, telemetry) against the real sync
 * server process, while honest clients (bystanders) keep working: each offender is closed
 * with a clear code and reason, bystanders keep syncing, the server stays ready with bounded
 * memory, and its log and data files hold no stack trace and no card data.
 */
import fc from 'fast-check';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from './support/card-sweep';
import {
  expectCleanLog,
  residentMb,
  startAbuseServer,
  type AbuseServer,
} from './support/abuse-server';
import {
  frame,
  openSocket,
  stockClient,
  synced,
  updateFrame,
  type RawSocket,
} from './support/socket-clients';

const DOC = 'board/berlin/2026-12-03';
const BERLIN = '13.0,52.3,13.8,52.7';
const NOTE = 'Customer read out card 4111 1111 1111 1111, cvv 123';

let server: AbuseServer;
let rssBefore = 0;
let writer: ReturnType<typeof stockClient>;
let reader: ReturnType<typeof stockClient>;
let watcher: RawSocket;
const destroy: (() => void)[] = [];

const yjsUrl = (token: string, doc = DOC): string =>
  `ws://127.0.0.1:${String(server.port)}/yjs/${doc}?token=${token}`;
const telemetryUrl = (token: string): string =>
  `ws://127.0.0.1:${String(server.port)}/telemetry?bbox=${BERLIN}&token=${token}`;

/** The honest clients still sync: an edit by one reaches the other through the server. */
async function bystandersStillSync(): Promise<void> {
  const mark = `ok-${String(Math.random()).slice(2, 8)}`;
  writer.doc.getArray<string>('marks').push([mark]);
  await expect
    .poll(() => reader.doc.getArray<string>('marks').toArray().includes(mark), { timeout: 8000 })
    .toBe(true);
  expect(writer.provider.wsconnected && reader.provider.wsconnected).toBe(true);
}

beforeAll(async () => {
  server = await startAbuseServer(['--hz', '5'], { simulate: true });
  writer = stockClient(server.port, DOC, server.token('agent-1', 'agent'));
  reader = stockClient(server.port, DOC, server.token('fm-1', 'fleet-manager'));
  destroy.push(writer.destroy, reader.destroy);
  await Promise.all([synced(writer.provider), synced(reader.provider)]);
  watcher = await openSocket(telemetryUrl(server.token('fm-watch', 'fleet-manager')));
  rssBefore = await residentMb(server);
});

afterAll(async () => {
  for (const d of destroy) d();
  watcher.ws.terminate();
  await server.stop();
  server.cleanup();
});

describe('Yjs sockets under hostile clients', () => {
  it.each<[string, number, () => Uint8Array | string]>([
    ['garbage bytes', 1002, () => new Uint8Array([0xff, 0xff, 0xff, 0x0f, 0x42])],
    ['a text frame', 1002, () => 'hello'],
    ['random bytes as an update', 1002, () => frame(0, 2, new Uint8Array([5, 200, 7, 1, 99, 3]))],
    ['an oversize frame (2 MB)', 1009, () => new Uint8Array(2 * 1024 * 1024)],
    [
      'a note with a card number',
      1008,
      () => updateFrame((d) => d.getArray('notes/del-000001').push([{ text: NOTE }])),
    ],
    ['text with a CVV', 1008, () => updateFrame((d) => d.getText('t').insert(0, ' cvv 987 '))],
  ])('%s: closed with %i and a reason; bystanders keep syncing', async (_label, code, make) => {
    const raw = await openSocket(yjsUrl(server.token('sup-1', 'supervisor')));
    raw.ws.send(make());
    const closed = await raw.closed;
    expect(closed.code).toBe(code);
    if (code !== 1009) expect(closed.reason.length).toBeGreaterThan(0);
    await bystandersStillSync();
  });

  it('an awareness state with card data is refused and relayed to nobody', async () => {
    const raw = await openSocket(yjsUrl(server.token('agent-2', 'agent')));
    const presence = new awarenessProtocol.Awareness(new Y.Doc());
    presence.setLocalState({ user: { name: 'x', note: NOTE } });
    raw.ws.send(frame(1, awarenessProtocol.encodeAwarenessUpdate(presence, [presence.clientID])));
    expect((await raw.closed).code).toBe(1008);
    const states = [...reader.provider.awareness.getStates().values()];
    expect(JSON.stringify(states)).not.toContain('4111');
    await bystandersStillSync();
  });

  it('a stock client typing a card number over several updates is stopped when it is whole', async () => {
    const typist = stockClient(server.port, DOC, server.token('agent-3', 'agent'));
    destroy.push(typist.destroy);
    await synced(typist.provider);
    const closes: number[] = [];
    typist.provider.on('connection-close', (e: { code: number } | null) =>
      closes.push(e?.code ?? 0),
    );
    const text = typist.doc.getText('typed');
    for (const piece of ['card 4111', ' 1111', ' 1111', ' 1111']) {
      text.insert(text.length, piece);
      await new Promise((r) => setTimeout(r, 50));
    }
    await expect.poll(() => closes.includes(1008), { timeout: 5000 }).toBe(true);
    typist.destroy();
    expect(reader.doc.getText('typed').toJSON()).not.toMatch(/4111 1111 1111 1111/);
    await bystandersStillSync();
  });

  it('a flood of frames is closed at the rate limit (1008)', async () => {
    const raw = await openSocket(yjsUrl(server.token('agent-4', 'agent')));
    for (let i = 0; i < 2000 && raw.ws.readyState === raw.ws.OPEN; i += 1) {
      raw.ws.send(new Uint8Array([3]));
    }
    expect((await raw.closed).code).toBe(1008);
    await bystandersStillSync();
  });

  it('random frames never crash the server or disturb others (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const raw = await openSocket(yjsUrl(server.token('agent-5', 'agent')));
        raw.ws.send(bytes);
        // Either refused (closed with a code) or harmless and still open.
        const outcome = await Promise.race([
          raw.closed.then((c) => c.code),
          new Promise<number>((r) => setTimeout(() => r(0), 150)),
        ]);
        expect([0, 1002, 1008, 1009]).toContain(outcome);
        raw.ws.terminate();
      }),
      { numRuns: 40 },
    );
    await bystandersStillSync();
  });

  it('wrong roles and bad tokens are refused at the upgrade', async () => {
    const secretless = `${server.token('agent-1', 'agent').split('.')[0] ?? ''}.AAAA`;
    await expect(openSocket(yjsUrl(secretless))).rejects.toThrow('HTTP 401');
    await expect(openSocket(yjsUrl(server.token('agent-1', 'agent', -1000)))).rejects.toThrow(
      'HTTP 401',
    );
    await expect(openSocket(yjsUrl(server.token('agent-1', 'agent'), 'nope/x'))).rejects.toThrow(
      /HTTP 4/,
    );
  });
});

describe('telemetry sockets under hostile clients', () => {
  it('defect 2: a 30-day token stays on the stream and gets frames', async () => {
    const long = await openSocket(
      telemetryUrl(server.token('fm-30d', 'fleet-manager', 30 * 86_400_000)),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(long.ws.readyState).toBe(long.ws.OPEN);
    expect(long.received.length).toBeGreaterThan(0);
    long.ws.close();
  });

  it('defect 6: 5,000 messages in a burst are closed at the inbound rate limit (1008)', async () => {
    const noisy = await openSocket(telemetryUrl(server.token('fm-noisy', 'fleet-manager')));
    const move = JSON.stringify({ bbox: [13, 52.3, 13.8, 52.7] });
    for (let i = 0; i < 5000 && noisy.ws.readyState === noisy.ws.OPEN; i += 1) noisy.ws.send(move);
    expect((await noisy.closed).code).toBe(1008);
    expect(await server.metric('fleetdesk_rejected_requests_total', 'TELEMETRY.RATE_LIMITED')).toBe(
      1,
    );
  });

  it.each<[string, string | Buffer, number]>([
    ['garbage', 'not json', 1002],
    ['a binary frame', Buffer.from([1, 2, 3]), 1002],
    ['an oversize message', 'x'.repeat(4096), 1009],
  ])('%s is closed with %d', async (_label, message, code) => {
    const bad = await openSocket(telemetryUrl(server.token('fm-bad', 'fleet-manager')));
    bad.ws.send(message);
    expect((await bad.closed).code).toBe(code);
  });

  it('agents and bad tokens get no stream', async () => {
    await expect(openSocket(telemetryUrl(server.token('agent-1', 'agent')))).rejects.toThrow(
      'HTTP 403',
    );
    await expect(openSocket(telemetryUrl('garbage'))).rejects.toThrow('HTTP 401');
  });

  it('the honest watcher kept receiving frames through all of it', async () => {
    const before = watcher.received.length;
    await expect.poll(() => watcher.received.length, { timeout: 5000 }).toBeGreaterThan(before);
    expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
  });
});

describe('after the sockets abuse', () => {
  it('the server is ready, its memory bounded, its log clean, and no card data is on disk', async () => {
    await server.expectReady();
    expect(await residentMb(server)).toBeLessThan(rssBefore + 150);
    expect(
      await server.metric('fleetdesk_yjs_rejected_frames_total', 'card-data'),
    ).toBeGreaterThanOrEqual(3);
    await bystandersStillSync();
    await server.stop();
    expectCleanLog(server);
    expect(sweep([server.dataDir])).toEqual([]);
  });
});
