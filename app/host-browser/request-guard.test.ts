import { describe, expect, it } from 'vitest';
import {
  admit,
  browserHostCsp,
  type AdmissionRequest,
  isAllowedHost,
  isAllowedOrigin,
  newAccessToken,
  readCookie,
  tokenMatches,
} from './request-guard';

describe('request guard', () => {
  it.each([
    ['127.0.0.1:4180', true],
    ['localhost:4180', true],
    ['LOCALHOST:4180', true],
    ['127.0.0.1', false],
    ['127.0.0.1:4181', false],
    ['evil.example:4180', false],
    ['127.0.0.1.evil.example:4180', false],
    ['[::1]:4180', false],
    [undefined, false],
  ])('Host %s → %s', (hostHeader, allowed) => {
    expect(isAllowedHost(hostHeader, 4180)).toBe(allowed);
  });

  it.each([
    ['http://127.0.0.1:4180', true],
    ['http://localhost:4180', true],
    [undefined, true],
    ['https://127.0.0.1:4180', false],
    ['http://127.0.0.1:4181', false],
    ['http://evil.example', false],
    ['null', false],
  ])('Origin %s → %s', (origin, allowed) => {
    expect(isAllowedOrigin(origin, 4180)).toBe(allowed);
  });

  it('makes 32-character base64url tokens that differ per run', () => {
    const a = newAccessToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newAccessToken()).not.toBe(a);
  });

  it('compares tokens exactly, including length', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('abcd', 'abc')).toBe(false);
    expect(tokenMatches(undefined, 'abc')).toBe(false);
    expect(tokenMatches('', '')).toBe(true);
  });

  it('reads one cookie by exact name', () => {
    const header = 'a=1; fleetdesk_token_4180=xyz; fleetdesk_token_41800=nope';
    expect(readCookie(header, 'fleetdesk_token_4180')).toBe('xyz');
    expect(readCookie(header, 'fleetdesk_token_1')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
  });

  it('allows sockets only back to this host and forbids inline script', () => {
    const csp = browserHostCsp(4180);
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:4180 ws://localhost:4180");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  });
});

describe('admit', () => {
  const base = {
    kind: 'websocket' as const,
    method: 'GET',
    path: '/api',
    host: '127.0.0.1:4180',
    origin: 'http://127.0.0.1:4180',
    cookieHeader: undefined,
    queryToken: 'secret',
  };

  it('checks Host, then Origin and path, then the token', () => {
    expect(admit(base, 4180, 'secret')).toBeNull();
    const refused = (patch: Partial<AdmissionRequest>) =>
      admit({ ...base, ...patch }, 4180, 'secret')?.status;
    // A foreign Host is refused even with a wrong token: the token is never the first check.
    expect(refused({ host: 'evil.example:4180', queryToken: 'x' })).toBe(403);
    expect(refused({ origin: 'http://evil.example', queryToken: 'x' })).toBe(403);
    expect(refused({ path: '/other' })).toBe(404);
    expect(refused({ queryToken: 'wrong' })).toBe(401);
    expect(refused({ queryToken: undefined, cookieHeader: 'fleetdesk_token_4180=secret' })).toBe(
      undefined,
    );
    expect(refused({ kind: 'http', method: 'POST' })).toBe(405);
    expect(refused({ kind: 'http', path: '/assets/a.js', origin: 'http://evil.example' })).toBe(
      undefined,
    );
  });
});
