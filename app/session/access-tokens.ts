import type { ServerClient } from '../net';

/** What the server said when this desk or its user was revoked (shown to the operator). */
export interface RevocationNotice {
  readonly kind: 'user' | 'desk';
  readonly reason: string | null;
  readonly revokedAt: number | null;
}

/** Times on this desk's clock (receipt + the lifetime the server gave), immune to clock skew. */
interface AccessToken {
  readonly value: string;
  readonly receivedAt: number;
  readonly expiresAt: number;
}

/** Refresh this long before expiry, so a request never carries a token about to lapse. */
const REFRESH_AHEAD_FRACTION = 0.25;
/** After a failed (offline) refresh, wait this long before the next try. */
const RETRY_MS = 2_000;

/**
 * Short-lived access tokens for one desk. The token the operator signed in
 * with is kept (encrypted, in the replica) only to refresh: every refresh
 * (`POST /api/access/refresh {deskId}`) gets a token bound to this desk that
 * lapses in minutes, and the server refuses a refresh for a revoked user or
 * desk — so a revoked desk online learns it within one access-token lifetime,
 * and within seconds when the server closes its sockets for the revocation
 * (4003) or refuses a request: `refused()` asks again at once.
 *
 * Requests and sockets (Yjs, telemetry) use only access tokens: the server
 * closes a revoked user's or desk's sockets at the revocation (and any socket
 * when its token expires), and a desk that was revoked while offline cannot
 * send its queue with the sign-in token before its first refresh tells it.
 * Only a server from before access tokens (404 on refresh) gets the sign-in
 * token. `token()` starts a refresh when none is valid or it is about to
 * lapse; refreshes are single-flight and paced while offline. Never logs a token.
 */
export class AccessTokens {
  #current: AccessToken | null = null;
  #inflight: Promise<void> | null = null;
  #retryAt = 0;
  #refusedAt = -Infinity;
  #legacyServer = false;
  #revoked = false;
  /**
   * Counts sign-outs. A refresh answers for the sign-in it started under: one still in flight at a
   * sign-out (sent with the previous operator's sign-in token) must neither hand its access
   * token to the next operator nor be reused by the next sign-in's refresh. Found when a
   * supervisor signed in right after a fleet manager got the fleet manager's token, and with it
   * the fleet manager's feed.
   */
  #signIns = 0;

  constructor(
    private readonly deps: {
      readonly server: ServerClient;
      readonly signInToken: () => string | null;
      readonly deskId: string;
      readonly now: () => number;
      /** The server refused this desk or user: called once. */
      readonly onRevoked: (notice: RevocationNotice) => void;
    },
  ) {}

  /** The token for every request and socket: null until a refresh answered (the caller sees 401 and retries). */
  token(): string | null {
    if (this.#legacyServer) return this.deps.signInToken();
    return this.#valid();
  }

  /**
   * The server refused the access token (401, or a socket closed for a revocation): ask again
   * now rather than when it lapses, so a revoked desk or user learns it within seconds. Paced
   * (once per RETRY_MS), as a refused socket or request may report this many times.
   */
  refused(): void {
    const now = this.deps.now();
    if (this.#revoked || this.#legacyServer || now < this.#refusedAt + RETRY_MS) return;
    this.#refusedAt = now;
    this.#current = null;
    void this.refresh();
  }

  /** Forget the access token (sign-out): the next sign-in starts afresh. */
  clear(): void {
    this.#signIns += 1;
    this.#inflight = null;
    this.#current = null;
    this.#revoked = false;
    this.#retryAt = 0;
  }

  /** Refresh now (sign-in, start); resolves once the server answered or could not be reached. */
  refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    const inflight = this.#refresh(this.#signIns).finally(() => {
      if (this.#inflight === inflight) this.#inflight = null;
    });
    this.#inflight = inflight;
    return inflight;
  }

  #valid(): string | null {
    const now = this.deps.now();
    const t = this.#current;
    const refreshAt = t ? t.expiresAt - (t.expiresAt - t.receivedAt) * REFRESH_AHEAD_FRACTION : 0;
    const mayRefresh = !this.#revoked && !this.#legacyServer && now >= this.#retryAt;
    if (now >= refreshAt && mayRefresh && this.deps.signInToken()) void this.refresh();
    return t && t.expiresAt > now ? t.value : null;
  }

  async #refresh(signIns: number): Promise<void> {
    const signIn = this.deps.signInToken();
    if (!signIn || this.#revoked) return;
    const reply = await this.deps.server.withToken(signIn).request<{
      accessToken?: unknown;
      expiresInMs?: unknown;
      code?: unknown;
      reason?: unknown;
      revokedAt?: unknown;
    }>('POST', '/api/access/refresh', { deskId: this.deps.deskId });
    // Signed out (and perhaps in as someone else) meanwhile: this answer is not theirs.
    if (signIns !== this.#signIns) return;
    const body = reply.body as Record<string, unknown> | null;
    if (reply.status === 200 && body) {
      const { accessToken, expiresInMs } = body;
      if (typeof accessToken === 'string' && typeof expiresInMs === 'number') {
        const receivedAt = this.deps.now();
        // A little early: the request took time, and the server's clock counts from before it.
        this.#current = {
          value: accessToken,
          receivedAt,
          expiresAt: receivedAt + expiresInMs * 0.9,
        };
        return;
      }
    }
    if (reply.status === 404) {
      // A server from before access tokens: keep using the sign-in token.
      this.#legacyServer = true;
      return;
    }
    const code = body?.['code'];
    if (reply.status === 401 && (code === 'AUTH.DESK_REVOKED' || code === 'AUTH.REVOKED')) {
      this.#revoked = true;
      this.#current = null;
      this.deps.onRevoked({
        kind: code === 'AUTH.DESK_REVOKED' ? 'desk' : 'user',
        reason: typeof body?.['reason'] === 'string' ? body['reason'] : null,
        revokedAt: typeof body?.['revokedAt'] === 'number' ? body['revokedAt'] : null,
      });
      return;
    }
    // Offline, server trouble, or an expired sign-in (the session expiry handles that): try later.
    this.#retryAt = this.deps.now() + RETRY_MS;
  }
}
