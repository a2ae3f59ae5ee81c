/**
 * Two or more desktop cores (separate SQLite files, different users) against the real sync
 * server process, through the stock WebsocketProvider: offline edits, a restarted desktop,
 * a restarted server, a read-only client and token renewal.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '../../domain/protocol';
import { openWritableReplica } from '../replica';
import {
  closedPort,
  eventually,
  launchSyncServer,
  tempDir,
  type LaunchedServer,
} from '../test-support/sync-server-launcher';
import {
  addNote,
  CollabDocs,
  readDeliveryState,
  setFlag,
  type CollabDoc,
  type CollabDocsOptions,
} from './index';

const BOARD = 'board/north/2026-03-14';
const DISPATCH = 'dispatch/north/2026-03-14';
const D = 'dlv-42';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server over a fresh data dir, killed and removed after the test. */
async function server(): Promise<LaunchedServer> {
  const data = tempDir('fleetdesk-collab-srv-');
  cleanups.push(data.cleanup);
  const s = await launchSyncServer(data.dir);
  cleanups.push(() => s.stop());
  return s;
}

/** One desktop core: its own profile directory and SQLite file. */
function desk(
  serverUrl: string,
  getToken: () => string,
  extra: Partial<CollabDocsOptions> = {},
): { docs: CollabDocs; path: string } {
  const tmp = tempDir('fleetdesk-collab-desk-');
  cleanups.push(tmp.cleanup);
  const path = join(tmp.dir, 'replica.sqlite');
  const db = openWritableReplica(path, 'plaintext');
  cleanups.push(() => db.close());
  const docs = new CollabDocs({ db, serverUrl, getToken, maxBackoffMs: 300, ...extra });
  cleanups.push(() => docs.close());
  return { docs, path };
}

const as = (s: LaunchedServer, user: string, role: Role) => () => s.token(user, role);
const texts = (doc: CollabDoc): string[] => readDeliveryState(doc, D).notes.map((n) => n.text);
const online = (doc: CollabDoc): boolean => doc.status().state === 'online';
const settled = (doc: CollabDoc): boolean => online(doc) && !doc.status().pendingLocalUpdates;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// 60 s: each test starts real server processes; with reconnect jitter (capped backoff) a restart
// case took ~19 s on a loaded 2-core machine, against the former 20 s.
describe('CollabDocs against the real sync server', { timeout: 60_000 }, () => {
  it('two cores converge with nothing lost after one of them edited offline', async () => {
    const s = await server();
    const a = desk(s.url, as(s, 'agent-a', 'agent')).docs.open(BOARD);
    const b = desk(s.url, as(s, 'fm-b', 'fleet-manager')).docs.open(BOARD);
    await eventually(() => online(a) && online(b), 'both online');
    addNote(a, D, 'agent-a', 'a1', 1);
    await eventually(() => texts(b).length === 1, 'b receives a1');

    b.disconnect();
    expect(b.status().state).toBe('offline');
    addNote(b, D, 'fm-b', 'b offline', 2);
    setFlag(b, D, 'priority', 'urgent');
    addNote(a, D, 'agent-a', 'a2 meanwhile', 3);
    setFlag(a, D, 'vip', true);
    await eventually(() => settled(a), 'a confirmed');
    expect(b.status().pendingLocalUpdates).toBe(true);
    expect(texts(b)).toEqual(['a1', 'b offline']);

    b.connect();
    const all = ['a1', 'b offline', 'a2 meanwhile'];
    await eventually(() => texts(a).length === 3 && texts(b).length === 3, 'convergence');
    expect(texts(a)).toEqual(all);
    expect(readDeliveryState(b, D)).toEqual(readDeliveryState(a, D));
    expect(readDeliveryState(a, D).flags).toEqual({ priority: 'urgent', vip: true });
    await eventually(() => settled(b), 'b confirmed');
    expect(b.status().lastSyncedAt).not.toBeNull();
  });

  it('an offline write survives a restart, renders before any network, then reaches the server', async () => {
    const s = await server();
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const tmp = tempDir('fleetdesk-collab-restart-');
    cleanups.push(tmp.cleanup);
    const path = join(tmp.dir, 'replica.sqlite');

    const db1 = openWritableReplica(path, 'plaintext');
    const before = new CollabDocs({
      db: db1,
      serverUrl: unreachable,
      getToken: as(s, 'agent-r', 'agent'),
    });
    const offline = before.open(BOARD);
    addNote(offline, D, 'agent-r', 'written with no server', 1);
    await eventually(() => offline.status().state === 'offline', 'first attempt failed');
    expect(offline.status().pendingLocalUpdates).toBe(true);
    before.close();
    db1.close();

    const db2 = openWritableReplica(path, 'plaintext');
    cleanups.push(() => db2.close());
    const after = new CollabDocs({
      db: db2,
      serverUrl: s.url,
      getToken: as(s, 'agent-r', 'agent'),
    });
    cleanups.push(() => after.close());
    const restored = after.open(BOARD);
    // Synchronously after open: no socket event can have been handled yet.
    expect(texts(restored)).toEqual(['written with no server']);
    expect(restored.status()).toMatchObject({ state: 'connecting', pendingLocalUpdates: true });

    const other = desk(s.url, as(s, 'agent-o', 'agent')).docs.open(BOARD);
    await eventually(() => texts(other).length === 1, 'other desk receives the offline note');
    await eventually(() => settled(restored), 'restored desk confirmed');
  });

  it('edits made while the sync server restarts converge afterwards', async () => {
    const data = tempDir('fleetdesk-collab-srv-');
    cleanups.push(data.cleanup);
    const s1 = await launchSyncServer(data.dir);
    cleanups.push(() => s1.stop());
    const a = desk(s1.url, as(s1, 'agent-a', 'agent')).docs.open(BOARD);
    const b = desk(s1.url, as(s1, 'agent-b', 'agent')).docs.open(BOARD);
    await eventually(() => online(a) && online(b), 'both online');
    addNote(a, D, 'agent-a', 'before the crash', 1);
    await eventually(() => settled(a) && texts(b).length === 1, 'confirmed before the crash');

    await s1.stop('SIGKILL');
    await eventually(
      () => a.status().state === 'offline' && b.status().state === 'offline',
      'offline',
    );
    addNote(a, D, 'agent-a', 'during outage (a)', 2);
    addNote(b, D, 'agent-b', 'during outage (b)', 3);

    const s2 = await launchSyncServer(data.dir, s1.port);
    cleanups.push(() => s2.stop());
    await eventually(() => settled(a) && settled(b), 'both confirmed after restart');
    await eventually(() => texts(a).length === 3 && texts(b).length === 3, 'convergence');
    expect(texts(b)).toEqual(texts(a));
    // The server kept all three: a desk that never saw any of them gets them from it.
    const fresh = desk(s2.url, as(s2, 'agent-c', 'agent')).docs.open(BOARD);
    await eventually(() => texts(fresh).length === 3, 'fresh desk has all notes');
  });

  it("a read-only (agent) client's edits on a dispatch doc never reach others, and stay pending", async () => {
    const s = await server();
    const fm = desk(s.url, as(s, 'fm-1', 'fleet-manager')).docs.open(DISPATCH);
    const agent = desk(s.url, as(s, 'agent-1', 'agent')).docs.open(DISPATCH);
    const annotations = (doc: CollabDoc) => doc.ydoc.getMap<string>('annotations');
    await eventually(() => online(fm) && online(agent), 'both online');
    expect(fm.status().access).toBe('write');
    expect(agent.status().access).toBe('read');

    annotations(fm).set('drone-1', 'hold at depot');
    await eventually(() => annotations(agent).get('drone-1') !== undefined, 'agent reads');
    annotations(agent).set('drone-2', 'agent scribble');
    await sleep(150);
    annotations(fm).set('drone-3', 'second wave');
    await eventually(() => annotations(agent).has('drone-3') && settled(fm), 'fm write applied');
    const supervisor = desk(s.url, as(s, 'sup-1', 'supervisor')).docs.open(DISPATCH);
    await eventually(() => annotations(supervisor).has('drone-3'), 'supervisor synced');
    expect(annotations(fm).has('drone-2')).toBe(false);
    expect(annotations(supervisor).has('drone-2')).toBe(false);
    expect(agent.status()).toMatchObject({
      state: 'online',
      access: 'read',
      pendingLocalUpdates: true,
    });
  });

  it('renews an expired token on reconnect, and reconnects on tokenChanged()', async () => {
    const s = await server();
    let issued = 0;
    let role: Role = 'agent';
    const { docs } = desk(s.url, () => {
      issued += 1;
      return s.token('agent-t', role, 1_000);
    });
    const doc = docs.open(DISPATCH);
    const b = desk(s.url, as(s, 'fm-t', 'fleet-manager')).docs.open(DISPATCH);
    await eventually(() => online(doc) && online(b), 'both online');
    expect(doc.status().access).toBe('read');
    await sleep(1_300); // the server closed the socket (4001); the provider reconnected
    await eventually(() => online(doc) && issued >= 2, 'reconnected with a fresh token');

    role = 'fleet-manager';
    docs.tokenChanged();
    await eventually(() => doc.status().access === 'write', 'write access after the role change');
    doc.ydoc.getMap<string>('annotations').set('drone-9', 'from the promoted user');
    await eventually(() => b.ydoc.getMap<string>('annotations').has('drone-9'), 'b receives');
    await eventually(() => settled(doc), 'confirmed');
  });
});
