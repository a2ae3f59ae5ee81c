/**
 * One profile, several operators in turn (a shared call-center seat): each sign-in's status
 * is about that operator's work only. Found in a walkthrough: after a fleet manager signed out
 * and an agent signed in, the fleet manager's dispatch document stayed open, reconnected
 * read-only with the agent's token, and the desk read "Degraded" with no visible reason.
 * Real sync server process, real desk core with its collaborative documents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Role } from '../../domain/protocol';
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

async function setup(): Promise<ServerProcess> {
  const data = tempDataDir();
  cleanups.push(data.cleanup);
  const server = await startServerProcess(data.dir);
  cleanups.push(() => server.child.kill('SIGKILL'));
  return server;
}

async function desk(server: ServerProcess): Promise<OperatorCore> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-profile-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const c = await startCore({ syncServerUrl: server.url, profileDir: dir, feedWaitMs: 1000 });
  cleanups.push(() => c.close().catch(() => undefined));
  return c;
}

async function signIn(c: OperatorCore, server: ServerProcess, user: string, role: Role) {
  const r = await c.call('session.login', { token: server.token(user, role) });
  expect(r.ok).toBe(true);
}

async function status(c: OperatorCore): Promise<SyncStatus> {
  const r = await c.call('sync.status', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const online = (c: OperatorCore, what: string): Promise<SyncStatus> =>
  eventually(
    async () => {
      const s = await status(c);
      return s.overall === 'online' && s.feed.phase === 'live' ? s : undefined;
    },
    30_000,
    what,
  );

const acknowledge = (c: OperatorCore, alertKey: string) =>
  c.call('alerts.acknowledge', { alertKey, cause: 'no fix since 10:00', critical: false });

async function acksOn(c: OperatorCore): Promise<string[]> {
  const r = await c.call('alerts.acks', {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value.map((a) => `${a.alertKey} by ${a.userId}`);
}

it('fleet manager → agent → supervisor → agent on one desk: each sign-in reads Online, with only its own documents', async () => {
  const server = await setup();
  const c = await desk(server);

  await signIn(c, server, 'fm-1', 'fleet-manager');
  expect((await acknowledge(c, 'drone-0001:lost')).ok).toBe(true);
  const fm = await online(c, 'fleet manager online');
  expect(Object.keys(fm.documents).some((n) => n.startsWith('dispatch/'))).toBe(true);

  for (const [user, role] of [
    ['agent-1', 'agent'],
    ['sup-1', 'supervisor'],
    ['agent-2', 'agent'],
  ] as const) {
    expect((await c.call('session.logout', {})).ok).toBe(true);
    const out = await status(c);
    expect(out.overall).not.toBe('online');
    expect(out.documents).toEqual({});
    await signIn(c, server, user, role);
    const s = await online(c, `${user} online`);
    if (role === 'agent')
      expect(Object.keys(s.documents).filter((n) => n.startsWith('dispatch/'))).toEqual([]);
  }
  // Reading the acknowledgements as an agent (read-only by design) does not degrade the desk.
  expect(await acksOn(c)).toContain('drone-0001:lost by fm-1');
  const agent = await online(c, 'agent still online after reading the dispatch document');
  expect(Object.values(agent.documents).every((d) => d.state === 'online')).toBe(true);
}, 120_000);

it("a fleet manager's offline acknowledgement waits through an agent's shift and is uploaded at their next sign-in", async () => {
  const server = await setup();
  const c = await desk(server);
  const other = await desk(server);
  await signIn(other, server, 'fm-2', 'fleet-manager');

  await signIn(c, server, 'fm-1', 'fleet-manager');
  await online(c, 'fleet manager online');
  server.child.kill('SIGSTOP');
  cleanups.push(() => server.child.kill('SIGCONT'));
  expect((await acknowledge(c, 'drone-0002:lost')).ok).toBe(true);
  expect((await c.call('session.logout', {})).ok).toBe(true);
  server.child.kill('SIGCONT');

  // The agent cannot upload the dispatch document: it is not reopened for them.
  await signIn(c, server, 'agent-1', 'agent');
  const agent = await online(c, 'agent online');
  expect(Object.keys(agent.documents).filter((n) => n.startsWith('dispatch/'))).toEqual([]);
  expect(await acksOn(other)).not.toContain('drone-0002:lost by fm-1');

  expect((await c.call('session.logout', {})).ok).toBe(true);
  await signIn(c, server, 'fm-1', 'fleet-manager');
  await eventually(
    async () => ((await acksOn(other)).includes('drone-0002:lost by fm-1') ? true : undefined),
    30_000,
    'the offline acknowledgement reaches another fleet desk',
  );
  // Nothing left pending once the confirmation round trips are answered.
  await eventually(
    async () => {
      const s = await status(c);
      return s.overall === 'online' && Object.values(s.documents).every((d) => d.pending === 0)
        ? true
        : undefined;
    },
    30_000,
    'the fleet manager online again with nothing pending',
  );
}, 120_000);

it("a supervisor signed in right after a fleet manager gets the supervisor's feed, not the fleet manager's", async () => {
  const server = await setup();
  const c = await desk(server);
  // The fleet manager's access-token refresh is still on its way at the sign-out.
  await signIn(c, server, 'fm-1', 'fleet-manager');
  expect((await c.call('session.logout', {})).ok).toBe(true);
  await signIn(c, server, 'sup-1', 'supervisor');
  await online(c, 'supervisor online');
  // Accounts reach agents and supervisors only: a fleet manager's feed has none.
  const hits = await eventually(
    async () => {
      const r = await c.call('search.query', { text: 'cus-0' });
      if (!r.ok) throw new Error(r.error.message);
      return r.value.some((h) => h.kind === 'account') ? r.value : undefined;
    },
    30_000,
    "the supervisor's replica has customer accounts",
  );
  expect(hits.length).toBeGreaterThan(0);
}, 120_000);
