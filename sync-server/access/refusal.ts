import type { TokenCheck } from '../auth';

/** The lookups `refusal` needs; each store answers them from its own tables or cache. */
export interface RevocationLookups {
  /** When the user was revoked, if ever. */
  userRevokedAt(userId: string): number | undefined;
  deskRevoked(deskId: string): boolean;
  /** A sign-in token revoked with a desk it was used on. */
  signInRevoked(tokenId: string): boolean;
}

/**
 * The one revocation rule both stores apply: a user revocation refuses the user's tokens
 * issued at or before it; a desk revocation refuses tokens bound to the desk, and the
 * sign-in tokens (no desk claim) that desk refreshed with. A failed check stays failed.
 */
export function refusal(verified: TokenCheck, is: RevocationLookups): TokenCheck {
  if (!verified.ok) return verified;
  const p = verified.principal;
  const userRevokedAt = is.userRevokedAt(p.userId);
  if (userRevokedAt !== undefined && (p.issuedAt ?? 0) <= userRevokedAt)
    return { ok: false, status: 401, reason: 'revoked' };
  if (p.deskId !== undefined && is.deskRevoked(p.deskId))
    return { ok: false, status: 401, reason: 'desk-revoked' };
  if (p.deskId === undefined && p.tokenId !== undefined && is.signInRevoked(p.tokenId))
    return { ok: false, status: 401, reason: 'revoked' };
  return verified;
}
