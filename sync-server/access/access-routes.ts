import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { signToken } from '../auth';
import { DESK_ID, type Principal, type TokenCheck } from '../auth';
import { bearerToken, HttpError, readJson, sendJson } from '../http';
import type { AccessStore } from './access-store';

export interface AccessDeps {
  /** Signs an access token (embedded: the data dir's secret; scale-out: the key ring's newest key). */
  readonly sign: (claims: Parameters<typeof signToken>[1]) => string;
  /** Signature and expiry only (a revoked desk must still be able to report its losses). */
  readonly verify: (token: string | null) => TokenCheck;
  readonly revocations: AccessStore;
  /** Lifetime of an access token (default 5 min): how long a revoked user's open sockets may last. */
  readonly accessTtlMs: number;
  readonly now: () => number;
}

const deskId = z.string().regex(DESK_ID);
const lossReport = z.object({
  deskId,
  commands: z
    .array(
      z.object({
        idempotencyKey: z.string().max(200),
        name: z.string().max(80),
        targetId: z.string().max(200).nullable(),
        state: z.string().max(20),
      }),
    )
    .max(10_000),
  unsentDocumentEdits: z.number().int().min(0),
});
const revoke = z.union([
  z.object({ user: z.string().regex(DESK_ID), reason: z.string().min(1).max(300) }),
  z.object({ desk: deskId, reason: z.string().min(1).max(300) }),
]);

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new HttpError(400, 'HTTP.BAD_PARAMETER', 'The request body is not valid.');
  return r.data;
}

const unauthorized = (check: TokenCheck & { ok: false }): HttpError =>
  check.reason === 'desk-revoked'
    ? new HttpError(401, 'AUTH.DESK_REVOKED', 'This desk was revoked by an administrator.')
    : check.reason === 'revoked'
      ? new HttpError(401, 'AUTH.REVOKED', 'Your access was revoked; ask your supervisor.')
      : new HttpError(401, 'AUTH.UNAUTHORIZED', `Sign in again (token ${check.reason}).`);

/** The HTTP error for a failed authentication: revocations have their own codes, so a desk knows to wipe. */
export { unauthorized as authFailure };

function supervisor(p: Principal): void {
  if (p.role !== 'supervisor')
    throw new HttpError(403, 'AUTH.FORBIDDEN', 'Only supervisors may revoke access.');
}

/**
 * Access endpoints (README: "Revocation and access tokens"). Returns the
 * route name it served, or null when the path is not one of them.
 *
 * - POST /api/access/refresh {deskId} — with the sign-in token: a short-lived
 *   access token bound to the desk. A revoked desk gets 401 AUTH.DESK_REVOKED
 *   with the reason; a revoked user 401 AUTH.REVOKED.
 * - POST /api/access/loss-report {deskId, commands, unsentDocumentEdits} — a
 *   revoked desk's last word, accepted with any correctly signed unexpired
 *   token of the desk's user, and only for a revoked desk.
 * - POST /api/admin/access/revoke {user|desk, reason}; GET /api/admin/access;
 *   GET /api/admin/access/losses?desk= — supervisors only.
 */
export async function handleAccessApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: AccessDeps,
): Promise<string | null> {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  if (!url.pathname.startsWith('/api/access/') && !url.pathname.startsWith('/api/admin/access'))
    return null;
  const verified = deps.verify(bearerToken(req));
  if (route === 'POST /api/access/loss-report') {
    if (!verified.ok) throw unauthorized(verified);
    const body = parse(lossReport, await readJson(req, 512 * 1024));
    if (!(await deps.revocations.deskRevocation(body.deskId)))
      throw new HttpError(409, 'ACCESS.NOT_REVOKED', 'Only a revoked desk reports its losses.');
    const { deskId: desk, ...report } = body;
    await deps.revocations.recordLoss(desk, verified.principal.userId, report, deps.now());
    sendJson(res, 200, { recorded: report.commands.length });
    return route;
  }
  if (route === 'POST /api/access/refresh') {
    if (!verified.ok) throw unauthorized(verified);
    if (verified.principal.deskId !== undefined)
      throw new HttpError(400, 'ACCESS.NOT_A_SIGN_IN_TOKEN', 'Refresh with the sign-in token.');
    const { deskId: desk } = parse(z.object({ deskId }), await readJson(req, 1024));
    // Minting is the authoritative moment: catch up with revocations made elsewhere first.
    await deps.revocations.sync();
    // The desk's own revocation first: its sign-in token was revoked with it, and the desk must
    // learn "desk revoked" (wipe and say why), not "user revoked".
    const revoked = await deps.revocations.deskRevocation(desk);
    if (revoked) {
      sendJson(res, 401, {
        code: 'AUTH.DESK_REVOKED',
        message: 'This desk was revoked by an administrator.',
        reason: revoked.reason,
        revokedAt: revoked.revokedAt,
      });
      return route;
    }
    const checked = deps.revocations.check(verified);
    if (!checked.ok) throw unauthorized(checked);
    const p = checked.principal;
    const now = deps.now();
    await deps.revocations.deskSeen(desk, p.userId, p.tokenId, now);
    const expiresAt = Math.min(now + deps.accessTtlMs, p.expiresAt);
    const accessToken = deps.sign({
      userId: p.userId,
      role: p.role,
      expiresAt,
      issuedAt: now,
      deskId: desk,
    });
    sendJson(res, 200, { accessToken, expiresAt, expiresInMs: expiresAt - now });
    return route;
  }
  const checked = deps.revocations.check(verified);
  if (!checked.ok) throw unauthorized(checked);
  supervisor(checked.principal);
  if (route === 'POST /api/admin/access/revoke') {
    const body = parse(revoke, await readJson(req, 2048));
    const [kind, subject] =
      'user' in body ? (['user', body.user] as const) : (['desk', body.desk] as const);
    await deps.revocations.revoke(kind, subject, body.reason, deps.now());
    sendJson(res, 200, { revoked: { kind, subject } });
    return route;
  }
  if (route === 'GET /api/admin/access') {
    sendJson(res, 200, {
      revocations: await deps.revocations.revocations(),
      desks: await deps.revocations.desks(),
    });
    return route;
  }
  if (route === 'GET /api/admin/access/losses') {
    const desk = parse(deskId, url.searchParams.get('desk'));
    sendJson(res, 200, { deskId: desk, reports: await deps.revocations.lossReports(desk) });
    return route;
  }
  return null;
}
