import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateSecret, parseDuration, signToken, verifyToken } from './access-token';

const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('access tokens', () => {
  const secret = loadOrCreateSecret(dir);
  const now = 1_800_000_000_000;
  const token = signToken(secret, { userId: 'agent-7', role: 'agent', expiresAt: now + 60_000 });

  it('keeps one secret per data dir, private to its owner', () => {
    expect(loadOrCreateSecret(dir).equals(secret)).toBe(true);
    expect(statSync(join(dir, 'token-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'token-secret'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies a valid token', () => {
    expect(verifyToken(secret, token, now)).toEqual({
      ok: true,
      principal: {
        userId: 'agent-7',
        role: 'agent',
        expiresAt: now + 60_000,
        issuedAt: expect.any(Number) as unknown,
        tokenId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as unknown,
      },
    });
  });

  it('names each token by a hash of its signature: stable for one token, different for another', () => {
    const id = (t: string) => {
      const check = verifyToken(secret, t, now);
      return check.ok ? check.principal.tokenId : null;
    };
    const other = signToken(secret, { userId: 'agent-7', role: 'agent', expiresAt: now + 60_001 });
    expect(id(token)).toBe(id(token));
    expect(id(other)).not.toBe(id(token));
    // Not the signature itself: the id alone cannot be turned back into the token.
    expect(token).not.toContain(id(token) ?? '');
  });

  it('carries the desk of an access token and refuses a malformed desk claim', () => {
    const bound = signToken(secret, {
      userId: 'agent-7',
      role: 'agent',
      expiresAt: now + 60_000,
      issuedAt: now,
      deskId: 'desk-1a2b3c4d',
    });
    expect(verifyToken(secret, bound, now)).toMatchObject({
      ok: true,
      principal: { deskId: 'desk-1a2b3c4d', issuedAt: now },
    });
    const bad = signToken(secret, {
      userId: 'agent-7',
      role: 'agent',
      expiresAt: now + 60_000,
      deskId: 'desk/../../x',
    });
    expect(verifyToken(secret, bad, now)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it.each([
    [null, 'missing'],
    ['', 'missing'],
    ['abc', 'malformed'],
    ['a.b.c', 'malformed'],
    [`${token}x`, 'bad-signature'],
    [
      `${Buffer.from('{"sub":"x","role":"supervisor","exp":9e15}').toString('base64url')}.${token.split('.')[1] ?? ''}`,
      'bad-signature',
    ],
  ])('refuses %j as %s', (t, reason) => {
    expect(verifyToken(secret, t, now)).toEqual({ ok: false, status: 401, reason });
  });

  it('refuses an expired token and one signed by another secret', () => {
    expect(verifyToken(secret, token, now + 60_000)).toMatchObject({ reason: 'expired' });
    const other = Buffer.alloc(32, 1);
    expect(verifyToken(other, token, now)).toMatchObject({ reason: 'bad-signature' });
  });

  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('8h')).toBe(28_800_000);
    expect(() => parseDuration('soon')).toThrow(/Invalid duration/);
  });
});
