import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateSecret, signToken, verifyToken } from '../auth';
import { openServerDatabase } from '../storage';
import { RevocationStore } from './revocation-store';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-revocations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = loadOrCreateSecret(dir);
const T0 = 1_800_000_000_000;
const token = (user: string, issuedAt: number, deskId?: string): string =>
  signToken(secret, {
    userId: user,
    role: 'agent',
    expiresAt: T0 + 3_600_000,
    issuedAt,
    ...(deskId ? { deskId } : {}),
  });

describe('RevocationStore', () => {
  it('refuses a revoked user’s tokens issued until the revocation, not later ones; a revoked desk’s tokens; survives a reopen', () => {
    const file = join(dir, 'fleetdesk.sqlite');
    let db = openServerDatabase(file);
    let store = new RevocationStore(db);
    const check = (t: string) => store.check(verifyToken(secret, t, T0 + 10));
    expect(check(token('agent-1', T0)).ok).toBe(true);
    store.revoke('user', 'agent-1', 'left the company', T0 + 5);
    expect(check(token('agent-1', T0))).toMatchObject({ ok: false, reason: 'revoked' });
    expect(check(token('agent-1', T0 + 5))).toMatchObject({ ok: false, reason: 'revoked' });
    expect(check(token('agent-1', T0 + 6)).ok).toBe(true);
    expect(check(token('agent-2', T0)).ok).toBe(true);

    store.revoke('desk', 'desk-aa', 'stolen', T0 + 7);
    expect(check(token('agent-2', T0 + 8, 'desk-aa'))).toMatchObject({
      ok: false,
      reason: 'desk-revoked',
    });
    expect(check(token('agent-2', T0 + 8, 'desk-bb')).ok).toBe(true);
    expect(store.deskRevocation('desk-aa')).toMatchObject({ reason: 'stolen', revokedAt: T0 + 7 });
    store.recordLoss('desk-aa', 'agent-2', { commands: [], unsentDocumentEdits: 2 }, T0 + 9);
    db.close();

    db = openServerDatabase(file);
    store = new RevocationStore(db);
    expect(store.revocations().map((r) => `${r.kind}:${r.subject}`)).toEqual([
      'user:agent-1',
      'desk:desk-aa',
    ]);
    expect(store.lossReports('desk-aa')).toEqual([
      { userId: 'agent-2', reportedAt: T0 + 9, report: { commands: [], unsentDocumentEdits: 2 } },
    ]);
    // A token that fails verification stays failed (the store never turns a refusal into an ok).
    expect(store.check({ ok: false, status: 401, reason: 'expired' })).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    db.close();
  });

  it('revoking a desk revokes the sign-in tokens it refreshed with, not other ones; watchers hear of it', async () => {
    const db = openServerDatabase(join(dir, 'sign-ins.sqlite'));
    const store = new RevocationStore(db);
    const stolen = token('agent-3', T0);
    const elsewhere = token('agent-3', T0 + 1);
    const idOf = (t: string): string | undefined => {
      const v = verifyToken(secret, t, T0 + 10);
      return v.ok ? v.principal.tokenId : undefined;
    };
    store.deskSeen('desk-cc', 'agent-3', idOf(stolen), T0 + 2);
    store.deskSeen('desk-dd', 'agent-3', idOf(elsewhere), T0 + 2);
    let heard = 0;
    const stop = store.watch(() => (heard += 1));
    store.revoke('desk', 'desk-cc', 'stolen', T0 + 3);
    expect(heard).toBe(1);
    const check = (t: string) => store.check(verifyToken(secret, t, T0 + 10));
    expect(check(stolen)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(check(elsewhere).ok).toBe(true);
    // An access token of another desk minted before is refused only by its own desk's revocation.
    expect(check(token('agent-3', T0 + 1, 'desk-dd')).ok).toBe(true);

    // Another process (the CLI) revoking in the same file is noticed by the watch's poll.
    const cliDb = openServerDatabase(join(dir, 'sign-ins.sqlite'));
    new RevocationStore(cliDb).revoke('user', 'agent-4', 'left', T0 + 4);
    cliDb.close();
    await new Promise((r) => setTimeout(r, 1200));
    expect(heard).toBe(2);
    stop();
    db.close();
  });
});
