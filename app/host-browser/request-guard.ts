import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who may talk to the browser host, as pure functions of the request's headers.
 * Three independent checks, each answering a different attack:
 *   - Host header  → DNS rebinding (evil.example re-resolved to 127.0.0.1 would send
 *     `Host: evil.example`);
 *   - Origin       → another web page opening a WebSocket to us (browsers always
 *     send Origin on WebSocket handshakes, and pages cannot forge it);
 *   - per-run token → any other local process or browser tab that merely knows the port.
 */

/** Path of the operator-API WebSocket; handshakes anywhere else are refused. */
export const API_PATH = '/api';

/** A fresh per-run secret: 24 random bytes, base64url (32 characters, URL- and cookie-safe). */
export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The cookie that carries the token after the first visit. Cookies are scoped by
 * host, not port, so the port is in the name: two hosts on different ports
 * (two profiles) must not overwrite each other's token.
 */
export function tokenCookieName(port: number): string {
  return `fleetdesk_token_${port}`;
}

/** The two names the loopback listener may be reached by; anything else is rebinding. */
function ownAuthorities(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** True when the Host header names this listener exactly (case-insensitive, port required). */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && ownAuthorities(port).includes(host.toLowerCase());
}

/**
 * True when a WebSocket handshake's Origin is this host's own page. A missing
 * Origin is allowed: browsers always send one, so only non-browser clients
 * (scripts, tests) omit it, and they still need the token. `null` (sandboxed
 * frames, file://) is refused.
 */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return ownAuthorities(port).some((a) => origin.toLowerCase() === `http://${a}`);
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie value for the token: not readable by page scripts, never sent cross-site. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/**
 * Content-Security-Policy of every response: the bundle's own scripts only, and
 * sockets only back to this host. `'unsafe-inline'` styles are for maplibre-gl,
 * `blob:` workers for its tile worker (same reasons as the Electron RENDERER_CSP).
 */
export function browserHostCsp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data: blob:",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Headers sent on every HTTP response, including refusals and 404s. */
export function securityHeaders(port: number): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': browserHostCsp(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** Why a request is turned away; `null` from {@link admit} means it may proceed. */
export interface Refusal {
  readonly status: 401 | 403 | 404 | 405;
  readonly reason: string;
}

export interface AdmissionRequest {
  readonly kind: 'http' | 'websocket';
  readonly method: string | undefined;
  readonly path: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly cookieHeader: string | undefined;
  readonly queryToken: string | undefined;
}

/**
 * The whole admission decision, in order: Host (403), then for sockets Origin
 * (403) and path (404), for HTTP the method (405), and last the token (401) —
 * so a rebinding or cross-site attempt learns nothing about the token.
 */
export function admit(req: AdmissionRequest, port: number, token: string): Refusal | null {
  if (!isAllowedHost(req.host, port)) return { status: 403, reason: 'Forbidden host.' };
  if (req.kind === 'websocket') {
    if (!isAllowedOrigin(req.origin, port)) return { status: 403, reason: 'Forbidden origin.' };
    if (req.path !== API_PATH) return { status: 404, reason: 'Not found.' };
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { status: 405, reason: 'Method not allowed.' };
  }
  const presented = req.queryToken ?? readCookie(req.cookieHeader, tokenCookieName(port));
  if (!tokenMatches(presented, token)) {
    return {
      status: 401,
      reason:
        'Open the address printed by the Fleetdesk browser host; it carries this run’s token.',
    };
  }
  return null;
}
