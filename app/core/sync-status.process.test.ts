/**
 * Issue 17: the sync status is derived from what the loops do, against the real sync server
 * process — a server that stops answering (paused, sockets open) is not "online", and "last
 * confirmed" survives a restart of the desk while the server is gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { SyncStatus } from '../contract';
import type { OperatorCore } from '../host';
import {
  eventually,
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import { startCore } from './start-core';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const FEED_WAIT_MS = 1000;

async function setup(): Promise<{ server: ServerProcess; dir: string }> {
  const data = tempDataDir();
  cleanups.push(data.cleanup);
  const server = await startServerProcess(data.dir);
  cleanups.push(() => server.child.kill('SIGKILL'));
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-profile-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { server, dir };
}

async function core(server: ServerProcess, dir: string): Promise<OperatorCore> {
  const c = await startCore({
    syncServerUrl: server.url,
    profileDir: dir,
    feedWaitMs: FEED_WAIT_MS,
    collab: false,
  });
  cleanups.push(() => c.close().catch(() => undefined));
  return c;
}

async function status(c: OperatorCore): Promise<SyncStatus> {
  const r = await c.call('sync.status', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function onlineAndLive(c: OperatorCore): Promise<SyncStatus> {
  return eventually(
    async () => {
      const s = await status(c);
      return s.overall === 'online' && s.feed.phase === 'live' ? s : undefined;
    },
    30_000,
    'online and live',
  );
}

it('a server that stops answering is not reported online: the feed reads stalled within its wait plus 5 s', async () => {
  const { server, dir } = await setup();
  const c = await core(server, dir);
  expect((await c.call('session.login', { token: server.token('agent-1', 'agent') })).ok).toBe(
    true,
  );
  await onlineAndLive(c);
  // Paused, not dead: its sockets stay open and requests simply never get an answer, so
  // no request fails before its 16 s timeout. Only a derived status notices.
  server.child.kill('SIGSTOP');
  cleanups.push(() => server.child.kill('SIGCONT'));
  const stoppedAt = Date.now();
  const seen = await eventually(
    async () => {
      const s = await status(c);
      return s.overall !== 'online' ? s : undefined;
    },
    FEED_WAIT_MS + 8_000,
    'not online',
  );
  expect(Date.now() - stoppedAt).toBeLessThan(FEED_WAIT_MS + 8_000);
  expect(seen.feed).toMatchObject({ state: 'degraded', detail: 'stalled' });
  server.child.kill('SIGCONT');
  await onlineAndLive(c);
}, 90_000);

it('keeps "last confirmed" across a restart of the desk while the server is down', async () => {
  const { server, dir } = await setup();
  const first = await core(server, dir);
  expect((await first.call('session.login', { token: server.token('agent-1', 'agent') })).ok).toBe(
    true,
  );
  const before = await onlineAndLive(first);
  expect(before.feed.lastConfirmedAt).not.toBeNull();
  await first.close();
  server.child.kill('SIGKILL');
  await server.exited;

  const second = await core(server, dir);
  const after = await status(second);
  expect(after.overall).not.toBe('online');
  expect(after.feed.lastConfirmedAt).toBeGreaterThanOrEqual(before.feed.lastConfirmedAt ?? 0);
}, 90_000);
