import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRole, type Role } from '../../domain/protocol';

/** Who a request acts for, as proven by a signed access token. */
export interface Principal {
  readonly userId: string;
  readonly role: Role;
  /** Epoch ms after which the token (and any socket opened with it) is refused. */
  readonly expiresAt: number;
  /** Epoch ms the token was signed (0 for tokens from before `iat`): revoking a user refuses every token issued until then. */
  readonly issuedAt?: number;
  /** The desk an access token was issued to (POST /api/access/refresh); absent on sign-in tokens. */
  readonly deskId?: string;
  /**
   * Names this one token without being it (a hash of its signature): a desk revocation
   * revokes the sign-in tokens that desk used, by this id, and the server stores only the id.
   */
  readonly tokenId?: string;
}

export type TokenCheck =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly status: 401;
      readonly reason:
        | 'missing'
        | 'malformed'
        | 'bad-signature'
        | 'expired'
        /** The user's tokens or this desk were revoked (sync-server/access). */
        | 'revoked'
        | 'desk-revoked';
    };

const SECRET_FILE = 'token-secret';
/** A desk id as desks make them (`desk-<8 hex>`) or any short id of the same alphabet. */
export const DESK_ID = /^[A-Za-z0-9_.:-]{1,80}$/;
const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * The HMAC-SHA256 signing secret, kept in the data dir (mode 0600) and created
 * on first use, so tokens stay valid across restarts of the same server.
 */
export function loadOrCreateSecret(dataDir: string): Buffer {
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (secret.length < 32) throw new Error(`${file} is corrupt (expected 64 hex characters)`);
  return secret;
}

/**
 * Compact token: base64url(JSON claims) "." base64url(HMAC-SHA256(claims)). With `keyId`
 * (scale-out mode, where keys rotate) the claims name the key as `kid`; the embedded mode's
 * single secret signs without one.
 */
export function signToken(
  secret: Buffer,
  claims: { userId: string; role: Role; expiresAt: number; issuedAt?: number; deskId?: string },
  keyId?: string,
): string {
  const body = b64(
    JSON.stringify({
      sub: claims.userId,
      role: claims.role,
      exp: claims.expiresAt,
      ...(keyId === undefined ? {} : { kid: keyId }),
      // Additive claims: issue time (user revocation) and the desk of an access token.
      iat: claims.issuedAt ?? Date.now(),
      ...(claims.deskId === undefined ? {} : { desk: claims.deskId }),
    }),
  );
  return `${body}.${b64(createHmac('sha256', secret).update(body).digest())}`;
}

/**
 * Finds the secret for a token's key id (`undefined`: the token names none). Returning
 * `undefined` refuses the token as `bad-signature`: an unknown or retired key proves nothing.
 */
export type KeyLookup = (keyId: string | undefined) => Buffer | undefined;

/** Verifies signature, shape and expiry. Never throws on any input. */
export function verifyToken(
  secret: Buffer | KeyLookup,
  token: string | null | undefined,
  now: number,
): TokenCheck {
  if (!token) return { ok: false, status: 401, reason: 'missing' };
  const parts = token.split('.');
  if (parts.length !== 2 || token.length > 2048)
    return { ok: false, status: 401, reason: 'malformed' };
  const [body = '', sig = ''] = parts;
  const key = typeof secret === 'function' ? secret(keyIdOf(body)) : secret;
  if (key === undefined) return { ok: false, status: 401, reason: 'bad-signature' };
  const expected = createHmac('sha256', key).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 401, reason: 'bad-signature' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, status: 401, reason: 'malformed' };
  }
  if (typeof claims !== 'object' || claims === null)
    return { ok: false, status: 401, reason: 'malformed' };
  const { sub, role, exp, iat, desk } = claims as Record<string, unknown>;
  if (
    typeof sub !== 'string' ||
    !/^[A-Za-z0-9_.:-]{1,80}$/.test(sub) ||
    !isRole(role) ||
    typeof exp !== 'number' ||
    (iat !== undefined && typeof iat !== 'number') ||
    (desk !== undefined && (typeof desk !== 'string' || !DESK_ID.test(desk)))
  ) {
    return { ok: false, status: 401, reason: 'malformed' };
  }
  if (exp <= now) return { ok: false, status: 401, reason: 'expired' };
  return {
    ok: true,
    principal: {
      userId: sub,
      role,
      expiresAt: exp,
      issuedAt: typeof iat === 'number' ? iat : 0,
      ...(typeof desk === 'string' ? { deskId: desk } : {}),
      tokenId: createHash('sha256').update(given).digest('base64url').slice(0, 22),
    },
  };
}

/**
 * The `kid` claim of a token body, read before its signature is checked, only to pick the
 * key that checks it; anything unexpected reads as "no key id".
 */
function keyIdOf(body: string): string | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { kid } = claims as Record<string, unknown>;
    return typeof kid === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(kid) ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** Parses "30s", "15m", "8h", "7d" into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`Invalid duration ${JSON.stringify(text)} (use e.g. 30s, 15m, 8h, 7d)`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
