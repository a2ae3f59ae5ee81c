import type Database from 'better-sqlite3';
import type { Principal, TokenCheck } from '../auth';

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

/**
 * Revoked users and desks, desks seen, and what revoked desks reported lost,
 * in the server's SQLite file (the CLI writes the same tables while the server
 * runs: WAL lets both). Every authentication goes through `check`, one indexed
 * lookup per request, so a revocation takes effect on the next request.
 */
export class RevocationStore {
  readonly #s;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS access_revocations (
        kind TEXT NOT NULL CHECK (kind IN ('user', 'desk')),
        subject TEXT NOT NULL,
        revoked_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (kind, subject)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS access_desks (
        desk_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, last_seen INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS access_loss_reports (
        id INTEGER PRIMARY KEY, desk_id TEXT NOT NULL, user_id TEXT NOT NULL,
        reported_at INTEGER NOT NULL, report TEXT NOT NULL
      );
    `);
    this.#s = {
      revoke: db.prepare<[string, string, number, string]>(
        `INSERT INTO access_revocations (kind, subject, revoked_at, reason) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, subject) DO UPDATE SET revoked_at = excluded.revoked_at, reason = excluded.reason`,
      ),
      get: db.prepare<[string, string], { revoked_at: number; reason: string }>(
        'SELECT revoked_at, reason FROM access_revocations WHERE kind = ? AND subject = ?',
      ),
      list: db.prepare<
        [],
        { kind: 'user' | 'desk'; subject: string; revoked_at: number; reason: string }
      >('SELECT kind, subject, revoked_at, reason FROM access_revocations ORDER BY revoked_at'),
      seen: db.prepare<[string, string, number]>(
        `INSERT INTO access_desks (desk_id, user_id, last_seen) VALUES (?, ?, ?)
         ON CONFLICT (desk_id) DO UPDATE SET user_id = excluded.user_id, last_seen = excluded.last_seen`,
      ),
      desks: db.prepare<[], { desk_id: string; user_id: string; last_seen: number }>(
        'SELECT desk_id, user_id, last_seen FROM access_desks ORDER BY last_seen DESC LIMIT 1000',
      ),
      report: db.prepare<[string, string, number, string]>(
        'INSERT INTO access_loss_reports (desk_id, user_id, reported_at, report) VALUES (?, ?, ?, ?)',
      ),
      reports: db.prepare<[string], { user_id: string; reported_at: number; report: string }>(
        'SELECT user_id, reported_at, report FROM access_loss_reports WHERE desk_id = ? ORDER BY id',
      ),
    };
  }

  revoke(kind: 'user' | 'desk', subject: string, reason: string, now: number): void {
    this.#s.revoke.run(kind, subject, now, reason);
  }

  revocations(): Revocation[] {
    return this.#s.list.all().map((r) => ({
      kind: r.kind,
      subject: r.subject,
      revokedAt: r.revoked_at,
      reason: r.reason,
    }));
  }

  /** The desk's revocation, if any (its reason is shown on the desk). */
  deskRevocation(deskId: string): Revocation | null {
    const r = this.#s.get.get('desk', deskId);
    return r ? { kind: 'desk', subject: deskId, revokedAt: r.revoked_at, reason: r.reason } : null;
  }

  /**
   * A verified token, unless revoked: a user revocation refuses every token of
   * that user issued at or before it (a new token signed afterwards works
   * again); a desk revocation refuses every token bound to that desk.
   */
  check(verified: TokenCheck): TokenCheck {
    if (!verified.ok) return verified;
    const p: Principal = verified.principal;
    const user = this.#s.get.get('user', p.userId);
    if (user && (p.issuedAt ?? 0) <= user.revoked_at)
      return { ok: false, status: 401, reason: 'revoked' };
    if (p.deskId !== undefined && this.#s.get.get('desk', p.deskId))
      return { ok: false, status: 401, reason: 'desk-revoked' };
    return verified;
  }

  deskSeen(deskId: string, userId: string, now: number): void {
    this.#s.seen.run(deskId, userId, now);
  }

  desks(): { deskId: string; userId: string; lastSeen: number }[] {
    return this.#s.desks.all().map((d) => ({
      deskId: d.desk_id,
      userId: d.user_id,
      lastSeen: d.last_seen,
    }));
  }

  recordLoss(deskId: string, userId: string, report: LossReport, now: number): void {
    this.#s.report.run(deskId, userId, now, JSON.stringify(report));
  }

  lossReports(deskId: string): { userId: string; reportedAt: number; report: LossReport }[] {
    return this.#s.reports.all(deskId).map((r) => ({
      userId: r.user_id,
      reportedAt: r.reported_at,
      report: JSON.parse(r.report) as LossReport,
    }));
  }
}
