import type { TokenCheck } from '../auth';

/** What a revoked desk still had that never reached the server, as it reported it before wiping itself. */
export interface LossReport {
  /** Commands still queued, sending, processing or needing attention (key, name, target, state). */
  readonly commands: readonly {
    readonly idempotencyKey: string;
    readonly name: string;
    readonly targetId: string | null;
    readonly state: string;
  }[];
  /** Collaborative-document edits made on the desk and not yet confirmed by the server. */
  readonly unsentDocumentEdits: number;
}

export interface Revocation {
  readonly kind: 'user' | 'desk';
  readonly subject: string;
  readonly revokedAt: number;
  readonly reason: string;
}

export interface DeskSeen {
  readonly deskId: string;
  readonly userId: string;
  readonly lastSeen: number;
}

type Maybe<T> = T | Promise<T>;

/**
 * Revocations, desks seen and loss reports: the SQLite file in embedded mode
 * (`RevocationStore`), PostgreSQL shared by every instance in scale-out
 * (`PostgresAccessStore`). `check` is synchronous because every authentication
 * (API, Yjs upgrade, telemetry upgrade) calls it; the rest may be async.
 */
export interface AccessStore {
  /** A verified token, unless its user, its desk or (for a sign-in token) a revoked desk's sign-in refuses it. */
  check(verified: TokenCheck): TokenCheck;
  /**
   * Revoking a desk also revokes the sign-in tokens it refreshed with (a stolen laptop's
   * sign-in token cannot mint access tokens on another desk).
   */
  revoke(kind: 'user' | 'desk', subject: string, reason: string, now: number): Maybe<void>;
  revocations(): Maybe<Revocation[]>;
  deskRevocation(deskId: string): Maybe<Revocation | null>;
  /** A refresh by `deskId` with the sign-in token `tokenId` (kept so a desk revocation can revoke it). */
  deskSeen(deskId: string, userId: string, tokenId: string | undefined, now: number): Maybe<void>;
  desks(): Maybe<DeskSeen[]>;
  recordLoss(deskId: string, userId: string, report: LossReport, now: number): Maybe<void>;
  lossReports(deskId: string): Maybe<{ userId: string; reportedAt: number; report: LossReport }[]>;
  /** Catch up with revocations made elsewhere before an authoritative answer (access refresh). */
  sync(): Maybe<void>;
  /**
   * Calls `listener` soon after any revocation, also one made by another process (the CLI)
   * or another instance, so open sockets can be re-checked. Returns the unsubscribe.
   */
  watch(listener: () => void): () => void;
}
