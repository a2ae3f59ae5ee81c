import type Database from 'better-sqlite3';
import type { TokenCheck } from '../auth';
import type { AccessStore, DeskSeen, LossReport, Revocation } from './access-store';
import { refusal } from './refusal';

/** How often `watch` looks for revocations another process (the CLI) wrote into the file. */
const WATCH_MS = 500;

/**
 * Revoked users and desks, desks seen, and what revoked desks reported lost,
 * in the server's SQLite file (the CLI writes the same tables while the server
 * runs: WAL lets both). Every authentication goes through `check`, a few indexed
 * lookups per request, so a revocation takes effect on the next request.
 */
export class RevocationStore implements AccessStore {
  readonly #s;
  readonly #db: Database.Database;
  readonly #listeners = new Set<() => void>();
  #timer: NodeJS.Timeout | null = null;

  constructor(db: Database.Database) {
    this.#db = db;
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
      -- The sign-in tokens (by id, never the token) each desk refreshed with, and those revoked
      -- with their desk.
      CREATE TABLE IF NOT EXISTS access_desk_sign_ins (
        desk_id TEXT NOT NULL, token_id TEXT NOT NULL, PRIMARY KEY (desk_id, token_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS access_revoked_sign_ins (
        token_id TEXT PRIMARY KEY, desk_id TEXT NOT NULL, revoked_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    this.#s = {
      revoke: db.prepare<[string, string, number, string]>(
        `INSERT INTO access_revocations (kind, subject, revoked_at, reason) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, subject) DO UPDATE SET revoked_at = excluded.revoked_at, reason = excluded.reason`,
      ),
      revokeSignIns: db.prepare<[number, string]>(
        `INSERT OR IGNORE INTO access_revoked_sign_ins (token_id, desk_id, revoked_at)
         SELECT token_id, desk_id, ? FROM access_desk_sign_ins WHERE desk_id = ?`,
      ),
      get: db.prepare<[string, string], { revoked_at: number; reason: string }>(
        'SELECT revoked_at, reason FROM access_revocations WHERE kind = ? AND subject = ?',
      ),
      signInRevoked: db.prepare<[string], { desk_id: string }>(
        'SELECT desk_id FROM access_revoked_sign_ins WHERE token_id = ?',
      ),
      generation: db.prepare<[], { g: string }>(
        `SELECT (SELECT count(*) || ':' || coalesce(max(revoked_at), 0) FROM access_revocations)
                || '/' || (SELECT count(*) FROM access_revoked_sign_ins) AS g`,
      ),
      list: db.prepare<
        [],
        { kind: 'user' | 'desk'; subject: string; revoked_at: number; reason: string }
      >('SELECT kind, subject, revoked_at, reason FROM access_revocations ORDER BY revoked_at'),
      seen: db.prepare<[string, string, number]>(
        `INSERT INTO access_desks (desk_id, user_id, last_seen) VALUES (?, ?, ?)
         ON CONFLICT (desk_id) DO UPDATE SET user_id = excluded.user_id, last_seen = excluded.last_seen`,
      ),
      seenSignIn: db.prepare<[string, string]>(
        'INSERT OR IGNORE INTO access_desk_sign_ins (desk_id, token_id) VALUES (?, ?)',
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
    this.#db.transaction(() => {
      this.#s.revoke.run(kind, subject, now, reason);
      if (kind === 'desk') this.#s.revokeSignIns.run(now, subject);
    })();
    for (const l of this.#listeners) l();
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
   * again); a desk revocation refuses every token bound to that desk and the
   * sign-in tokens that desk refreshed with.
   */
  check(verified: TokenCheck): TokenCheck {
    return refusal(verified, {
      userRevokedAt: (user) => this.#s.get.get('user', user)?.revoked_at,
      deskRevoked: (desk) => this.#s.get.get('desk', desk) !== undefined,
      signInRevoked: (id) => this.#s.signInRevoked.get(id) !== undefined,
    });
  }

  deskSeen(deskId: string, userId: string, tokenId: string | undefined, now: number): void {
    this.#s.seen.run(deskId, userId, now);
    if (tokenId !== undefined) this.#s.seenSignIn.run(deskId, tokenId);
  }

  desks(): DeskSeen[] {
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

  /** The file is the truth: nothing to catch up with. */
  sync(): void {
    return undefined;
  }

  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (!this.#timer) {
      // The CLI revokes from another process: a changed count or newest time means a revocation.
      let seen = this.#s.generation.get()?.g;
      this.#timer = setInterval(() => {
        const now = this.#s.generation.get()?.g;
        if (now === seen) return;
        seen = now;
        for (const l of this.#listeners) l();
      }, WATCH_MS);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }
}
