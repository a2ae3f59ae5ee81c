/**
 * The Yjs endpoint and the telemetry stream against the real server process:
 * stock y-websocket clients, SIGKILL and SIGTERM, hostile frames, refusals.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../test-support/server-process';

const DOC = 'board/berlin/2026-11-22';
const ORIGIN = 'https://desk.fleetdesk.example';
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

function client(
  server: ServerProcess,
  token: string,
  doc = DOC,
): { ydoc: Y.Doc; provider: WebsocketProvider; text: Y.Text } {
  const ydoc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${server.port}/yjs`, doc, ydoc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
  });
  cleanups.push(() => {
    provider.destroy();
    ydoc.destroy();
  });
  return { ydoc, provider, text: ydoc.getText('notes') };
}

const synced = (p: WebsocketProvider): Promise<void> =>
  new Promise((resolve) => {
    if (p.synced) resolve();
    else p.once('sync', (s: boolean) => s && resolve());
  });

async function upgradeStatus(
  server: ServerProcess,
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

async function start(dir: string, extra: string[] = [], port = 0): Promise<ServerProcess> {
  const server = await startServerProcess(dir, ['--allowed-origins', ORIGIN, ...extra], port);
  cleanups.push(() => server.child.kill('SIGKILL'));
  return server;
}

describe('Yjs sync through the real server process', () => {
  it('two stock y-websocket clients converge, and a SIGKILL right after the broadcast loses nothing', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await start(data.dir);
    const a = client(server, server.token('agent-1', 'agent'));
    const b = client(server, server.token('fm-1', 'fleet-manager'));
    await Promise.all([synced(a.provider), synced(b.provider)]);
    a.text.insert(0, 'Customer asked for a call before drop-off. ');
    b.text.insert(0, 'Gate code 4711. ');
    await eventually(() =>
      a.text.toJSON() === b.text.toJSON() && a.text.length > 50 ? true : undefined,
    );

    a.text.insert(a.text.length, 'LAST WORD');
    await eventually(() => (b.text.toJSON().includes('LAST WORD') ? true : undefined));
    server.child.kill('SIGKILL'); // no flush, no goodbye
    expect(await server.exited).toBe('SIGKILL');

    const restarted = await start(data.dir, [], server.port);
    const c = client(restarted, restarted.token('sup-1', 'supervisor'));
    await synced(c.provider);
    expect(c.text.toJSON()).toBe(b.text.toJSON());
    expect(c.text.toJSON()).toContain('LAST WORD');
  }, 60_000);

  it('SIGTERM drains: clients get 1001, the process exits 0, and a restart keeps every document', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await start(data.dir);
    const docs = [
      'board/berlin/2026-11-22',
      'board/berlin/2026-11-23',
      'dispatch/berlin/2026-11-22',
    ];
    const clients = docs.map((d) => client(server, server.token('sup-1', 'supervisor'), d));
    await Promise.all(clients.map((c) => synced(c.provider)));
    clients.forEach((c, i) => c.text.insert(0, `doc ${i}`));
    await new Promise((r) => setTimeout(r, 300));
    const codes = clients.map(
      (c) =>
        new Promise<number>((resolve) =>
          c.provider.ws?.addEventListener('close', (e) =>
            resolve((e as unknown as { code: number }).code),
          ),
        ),
    );
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await Promise.all(codes)).toEqual([1001, 1001, 1001]);
    clients.forEach((c) => c.provider.disconnect());

    const restarted = await start(data.dir);
    for (const [i, d] of docs.entries()) {
      const fresh = client(restarted, restarted.token('agent-1', 'agent'), d);
      await synced(fresh.provider);
      expect(fresh.text.toJSON()).toBe(`doc ${i}`);
    }
  }, 60_000);

  it('refuses no token, an expired token, a foreign Origin and an unknown document before upgrading', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await start(data.dir);
    const good = server.token('agent-1', 'agent');
    expect(await upgradeStatus(server, `/yjs/${DOC}`)).toBe(401);
    expect(
      await upgradeStatus(server, `/yjs/${DOC}?token=${server.token('agent-1', 'agent', -1000)}`),
    ).toBe(401);
    expect(
      await upgradeStatus(server, `/yjs/${DOC}?token=${good}`, { origin: 'https://evil.example' }),
    ).toBe(403);
    expect(await upgradeStatus(server, `/yjs/secrets/all?token=${good}`)).toBe(404);
    expect(await upgradeStatus(server, `/yjs/${DOC}?token=${good}`, { origin: ORIGIN })).toBe(101);
    expect(await upgradeStatus(server, `/telemetry?token=${good}`)).toBe(403); // agents get no fleet stream
  }, 30_000);

  it('a read-only client cannot write, and garbage closes only the offending socket', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await start(data.dir);
    const doc = 'dispatch/berlin/2026-11-22';
    const writer = client(server, server.token('fm-1', 'fleet-manager'), doc);
    const reader = client(server, server.token('agent-1', 'agent'), doc);
    await Promise.all([synced(writer.provider), synced(reader.provider)]);
    reader.text.insert(0, 'agent tries to write dispatch notes');
    writer.text.insert(0, 'drone-0003 to hold at Tempelhof');
    await eventually(() => (reader.text.toJSON().includes('drone-0003') ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(writer.text.toJSON()).not.toContain('agent tries');

    const raw = new WebSocket(
      `ws://127.0.0.1:${server.port}/yjs/${doc}?token=${server.token('fm-2', 'fleet-manager')}`,
    );
    await new Promise((r) => raw.once('open', r));
    const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    raw.send(Buffer.from([0x00, 0x02, 0xff, 0xff, 0xff])); // sync update with a truncated varint length
    expect(await closed).toBe(1002);
    writer.text.insert(writer.text.length, ' — still syncing');
    await eventually(() => (reader.text.toJSON().includes('still syncing') ? true : undefined));
  }, 30_000);
});

describe('telemetry stream through the real server process', () => {
  it('streams compact positions of moving drones to a fleet manager, filtered by area', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const server = await startServerProcess(data.dir, ['--hz', '5'], 0, { simulate: true });
    cleanups.push(() => server.child.kill('SIGKILL'));
    const frames: {
      t: number;
      d: [string, number, number, number, number, number, string, number][];
    }[] = [];
    const berlin = '13.0,52.3,13.8,52.7';
    const ws = new WebSocket(
      `ws://127.0.0.1:${server.port}/telemetry?bbox=${berlin}&token=${server.token('fm-1', 'fleet-manager')}`,
    );
    cleanups.push(() => ws.terminate());
    ws.on('message', (data: Buffer) =>
      frames.push(JSON.parse(data.toString('utf8')) as (typeof frames)[number]),
    );
    const moved = await eventually(
      () => {
        const byDrone = new Map<string, string[]>();
        for (const f of frames)
          for (const [id, lat, lng] of f.d)
            byDrone.set(id, [...(byDrone.get(id) ?? []), `${lat},${lng}`]);
        const moving = [...byDrone.values()].filter((positions) => new Set(positions).size > 1);
        return moving.length > 0 ? moving.length : undefined;
      },
      20_000,
      'a drone to move',
    );
    expect(moved).toBeGreaterThan(0);
    const fix = frames[0]?.d[0];
    expect(fix?.[1]).toBeGreaterThan(52.3);
    expect(fix?.[6]).toBe('in-flight');

    // An area with no drones in it gets nothing.
    const empty: unknown[] = [];
    const far = new WebSocket(
      `ws://127.0.0.1:${server.port}/telemetry?bbox=-74.1,40.6,-73.8,40.9&token=${server.token('fm-2', 'fleet-manager')}`,
    );
    cleanups.push(() => far.terminate());
    far.on('message', (d) => empty.push(d));
    await new Promise((r) => setTimeout(r, 1500));
    expect(empty).toHaveLength(0);
  }, 40_000);
});
