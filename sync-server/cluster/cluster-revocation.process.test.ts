/**
 * Scale-out revocation: two real instances on a throwaway PostgreSQL database and a unique
 * Redis prefix. A revocation made on one instance is refused on the other on the very next
 * request; the revoked user's or desk's open sockets (Yjs, telemetry) on the other instance
 * close with 4003 long before their 5-minute access token would expire; a revoked desk's
 * sign-in token mints no access token for any other desk.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../test-support/local-redis';
import { tempDataDir, type ServerProcess } from '../test-support/server-process';
import { throwawayPostgres } from '../test-support/throwaway-postgres';
import { api, clusterTokens, freePort, startInstance } from '../test-support/cluster-harness';
import { BOARD } from './test-support/cluster-load';

const REPO = resolve(import.meta.dirname, '../..');
const pg = throwawayPostgres({ databasePrefix: 'fd_cluster_revoke', schemaPrefix: 'unused' });
const prefix = `fd-test-revoke-${process.pid}-${Date.now()}:`;
const data = tempDataDir();
let a: ServerProcess;
let b: ServerProcess;
let token: Awaited<ReturnType<typeof clusterTokens>>;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  const options = { storage: pg.url, redis: REDIS_URL, redisPrefix: prefix };
  const [pa, pb] = await Promise.all([freePort(), freePort()]);
  // One after the other: the first migrates and seeds, the second finds both done.
  a = await startInstance(options, pa, `${data.dir}/a`);
  b = await startInstance(options, pb, `${data.dir}/b`);
  token = await clusterTokens(pg.url);
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.terminate();
  for (const i of [a, b]) i.child.kill('SIGKILL');
  await Promise.all([a, b].map((i) => i.exited));
  data.cleanup();
});

async function accessToken(on: ServerProcess, signIn: string, deskId: string): Promise<string> {
  const r = await api(on.url, '/api/access/refresh', { token: signIn, body: { deskId } });
  expect(r.status).toBe(200);
  return (r.body as { accessToken: string }).accessToken;
}

/** An open socket and a promise of its close code with the ms from `since()` to the close. */
function open(
  url: string,
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; at: number }> }> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.once('close', (code) => resolve({ code, at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

const yjsUrl = (on: ServerProcess, t: string): string =>
  `${on.url.replace('http', 'ws')}/yjs/${BOARD()}?token=${encodeURIComponent(t)}`;
const telemetryUrl = (on: ServerProcess, t: string): string =>
  `${on.url.replace('http', 'ws')}/telemetry?token=${encodeURIComponent(t)}`;

describe('scale-out revocation across instances', () => {
  it('a user revoked on A is refused on B at once, and their sockets on B close', async () => {
    const supervisor = token('sup-1', 'supervisor');
    const signIn = token('agent-r1', 'agent');
    const access = await accessToken(a, signIn, 'desk-r1');
    // An access token minted on A works on B: one key ring, one store.
    expect((await api(b.url, '/api/session', { token: access })).status).toBe(200);
    const yjs = await open(yjsUrl(b, access));

    const revokedAt = Date.now();
    const revoke = await api(a.url, '/api/admin/access/revoke', {
      token: supervisor,
      body: { user: 'agent-r1', reason: 'left the company' },
    });
    expect(revoke.status).toBe(200);
    // The very next request on the other instance: no polling, no waiting.
    const next = await api(b.url, '/api/session', { token: access });
    expect(next).toMatchObject({ status: 401, body: { code: 'AUTH.REVOKED' } });
    const refresh = await api(b.url, '/api/access/refresh', {
      token: signIn,
      body: { deskId: 'desk-r1' },
    });
    expect(refresh).toMatchObject({ status: 401, body: { code: 'AUTH.REVOKED' } });

    const { code, at } = await yjs.closed;
    expect(code).toBe(4003);
    console.log(`Yjs socket on B closed ${at - revokedAt} ms after the revoke on A was sent`);
    // Far inside the 5-minute access-token lifetime it used to take.
    expect(at - revokedAt).toBeLessThan(10_000);
    // Reconnecting with the same token is refused at the upgrade.
    await expect(open(yjsUrl(b, access))).rejects.toThrow(/401/);

    // A sign-in token signed after the revocation works again (a new credential).
    await new Promise((r) => setTimeout(r, 5));
    await accessToken(b, token('agent-r1', 'agent'), 'desk-r1');
  }, 60_000);

  it('a desk revoked on B: its telemetry on A closes, its sign-in token mints for no other desk, its losses are recorded', async () => {
    const supervisor = token('sup-1', 'supervisor');
    const signIn = token('fm-r2', 'fleet-manager');
    const other = token('fm-r3', 'fleet-manager');
    const access = await accessToken(b, signIn, 'desk-r2');
    const bystander = await accessToken(b, other, 'desk-r3');
    const telemetry = await open(telemetryUrl(a, access));
    const unaffected = await open(telemetryUrl(a, bystander));

    const revokedAt = Date.now();
    expect(
      (
        await api(b.url, '/api/admin/access/revoke', {
          token: supervisor,
          body: { desk: 'desk-r2', reason: 'laptop stolen' },
        })
      ).status,
    ).toBe(200);
    expect(await api(a.url, '/api/session', { token: access })).toMatchObject({
      status: 401,
      body: { code: 'AUTH.DESK_REVOKED' },
    });
    // The revoked desk itself learns "desk revoked", with the reason, to wipe and say why.
    expect(
      await api(a.url, '/api/access/refresh', { token: signIn, body: { deskId: 'desk-r2' } }),
    ).toMatchObject({ status: 401, body: { code: 'AUTH.DESK_REVOKED', reason: 'laptop stolen' } });
    // Its sign-in token, copied off the laptop, mints nothing for another desk, nor acts itself.
    expect(
      await api(a.url, '/api/access/refresh', { token: signIn, body: { deskId: 'desk-x9' } }),
    ).toMatchObject({ status: 401, body: { code: 'AUTH.REVOKED' } });
    expect((await api(b.url, '/api/session', { token: signIn })).status).toBe(401);

    const { code, at } = await telemetry.closed;
    expect(code).toBe(4003);
    console.log(
      `telemetry socket on A closed ${at - revokedAt} ms after the desk revoke on B was sent`,
    );
    expect(at - revokedAt).toBeLessThan(10_000);
    // Another user's desk and socket are untouched.
    expect(unaffected.ws.readyState).toBe(WebSocket.OPEN);
    expect((await api(a.url, '/api/session', { token: bystander })).status).toBe(200);

    // The revoked desk's last word, on A, is what a supervisor reads on B.
    const report = {
      deskId: 'desk-r2',
      commands: [
        {
          idempotencyKey: 'k-1',
          name: 'shipping.cancelDelivery',
          targetId: 'd-1',
          state: 'queued',
        },
      ],
      unsentDocumentEdits: 3,
    };
    expect(
      (await api(a.url, '/api/access/loss-report', { token: signIn, body: report })).status,
    ).toBe(200);
    const losses = await api(b.url, '/api/admin/access/losses?desk=desk-r2', { token: supervisor });
    expect(losses).toMatchObject({
      status: 200,
      body: {
        reports: [
          { userId: 'fm-r2', report: { commands: report.commands, unsentDocumentEdits: 3 } },
        ],
      },
    });
    const list = await api(a.url, '/api/admin/access', { token: supervisor });
    expect(list.body).toMatchObject({
      revocations: expect.arrayContaining([
        expect.objectContaining({ kind: 'desk', subject: 'desk-r2', reason: 'laptop stolen' }),
      ]) as unknown,
      desks: expect.arrayContaining([
        expect.objectContaining({ deskId: 'desk-r2', userId: 'fm-r2' }),
      ]) as unknown,
    });
  }, 60_000);

  it('the CLI revokes in PostgreSQL: with --redis every instance refuses at once, and `access` lists it', async () => {
    const access = await accessToken(a, token('agent-r7', 'agent'), 'desk-r7');
    const yjs = await open(yjsUrl(a, access));
    // Asynchronously: a spawnSync would block this process's event loop for seconds, and its
    // idle keep-alive connections to the instances would go stale under it.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'sync-server/cli/main.ts', ...args],
          { cwd: REPO, encoding: 'utf8' },
          (error, stdout, stderr) => {
            done({
              status: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
              stdout,
              stderr,
            });
          },
        );
      });
    const storage = ['--storage', pg.url];
    // Bad input is a clear error, not a stack or a silent no-op.
    const bad = await cli('revoke', ...storage, '--user', 'a b');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/ids are letters, digits and _\.:-/);
    const out = await cli(
      'revoke',
      ...storage,
      '--redis',
      REDIS_URL,
      '--redis-prefix',
      prefix,
      '--user',
      'agent-r7',
      '--reason',
      'contract ended',
    );
    expect(out.stdout).toContain('revoked user agent-r7');
    for (const on of [a, b])
      expect(await api(on.url, '/api/session', { token: access })).toMatchObject({
        status: 401,
        body: { code: 'AUTH.REVOKED' },
      });
    expect((await yjs.closed).code).toBe(4003);
    const listed = (await cli('access', ...storage)).stdout;
    expect(listed).toMatch(/revoked user agent-r7 at .+: contract ended/);
    expect(listed).toMatch(/desk desk-r7 \(user agent-r7\)/);
  }, 90_000);

  it('refuses bad input at the revoke and loss-report boundaries', async () => {
    const supervisor = token('sup-1', 'supervisor');
    for (const body of [{}, { user: 'a b', reason: 'x' }, { desk: 'desk-1', reason: '' }])
      expect(
        await api(a.url, '/api/admin/access/revoke', { token: supervisor, body }),
      ).toMatchObject({ status: 400, body: { code: 'HTTP.BAD_PARAMETER' } });
    expect(
      await api(a.url, '/api/admin/access/revoke', {
        token: token('agent-r9', 'agent'),
        body: { user: 'agent-r1', reason: 'x' },
      }),
    ).toMatchObject({ status: 403, body: { code: 'AUTH.FORBIDDEN' } });
    expect(
      await api(b.url, '/api/access/loss-report', {
        token: token('agent-r9', 'agent'),
        body: { deskId: 'desk-never-revoked', commands: [], unsentDocumentEdits: 0 },
      }),
    ).toMatchObject({ status: 409, body: { code: 'ACCESS.NOT_REVOKED' } });
  }, 30_000);
});
