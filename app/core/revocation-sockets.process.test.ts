/**
 * A revocation reaches a desk online within seconds, not one access-token lifetime: with the
 * default 5-minute access tokens, the server closes the revoked desk's sockets (telemetry,
 * Yjs) with 4003, the desk re-checks its access at once, learns it was revoked, and wipes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually,
  startServerProcess,
  tempDataDir,
} from '../../sync-server/test-support/server-process';
import type { DeskStatusView } from '../contract';
import type { OperatorCore } from '../host';
import { startDesk } from './desk-core';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function value<T>(core: OperatorCore, method: string, payload: unknown = {}): Promise<T> {
  const r = await core.call(method, payload);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

describe('revocation reaches an online desk through its sockets', () => {
  it('a fleet manager’s desk revoked with 5-minute access tokens learns it within seconds and wipes', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    // Default access-token lifetime (5 min) and a long feed poll: neither can explain a quick exit.
    const s = await startServerProcess(data.dir, [], 0, { simulate: true });
    cleanups.push(() => s.child.kill('SIGKILL'));
    const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-revoke-sockets-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const core = await startDesk({ syncServerUrl: s.url, profileDir: dir, feedWaitMs: 20_000 });
    cleanups.push(() => core.close().catch(() => undefined));
    await value(core, 'session.login', { token: s.token('fm-9', 'fleet-manager') });
    const boss = s.token('boss', 'supervisor');
    // Telemetry is flowing: the desk holds an open stream with its access token.
    await eventually(
      async () =>
        (await value<{ telemetry?: { state: string } }>(core, 'sync.status')).telemetry?.state ===
        'online'
          ? true
          : undefined,
      30_000,
      'telemetry online',
    );
    const desks = await s.api('/api/admin/access', { token: boss });
    const deskId = (desks.body as { desks: { deskId: string; userId: string }[] }).desks.find(
      (d) => d.userId === 'fm-9',
    )?.deskId;
    expect(deskId).toMatch(/^desk-/);

    const revokedAt = Date.now();
    const revoke = await s.api('/api/admin/access/revoke', {
      token: boss,
      body: { desk: deskId, reason: 'Laptop left on a train' },
    });
    expect(revoke.status).toBe(200);
    const revoked = await eventually(
      async () => (await value<DeskStatusView>(core, 'desk.status')).revoked ?? undefined,
      30_000,
      'the desk to learn it was revoked',
    );
    const took = Date.now() - revokedAt;
    console.log(`desk learned of its revocation and wiped ${took} ms after the revoke`);
    expect(revoked.reason).toBe('Laptop left on a train');
    // Far less than the 5-minute access token (or a 20 s feed poll) it used to wait for.
    expect(took).toBeLessThan(15_000);
    expect(existsSync(join(dir, 'replica.sqlite'))).toBe(false);
  }, 90_000);
});
