import type { Role } from '../../domain/protocol';
import type { WritableDb } from '../replica';

/**
 * The signed-in operator. The permission snapshot (user, role, expiry) is kept
 * in the replica so an operator can keep working offline until it expires; the
 * server re-checks the token on every command it replays, so a revoked or
 * expired permission cannot slip through when the queue drains.
 */
export interface SessionSnapshot {
  readonly userId: string;
  readonly role: Role;
  readonly expiresAt: number;
  readonly confirmedAt: number;
}

interface Row {
  user_id: string;
  role: Role;
  token: string;
  expires_at: number;
  confirmed_at: number;
}

export class SessionStore {
  private readonly s;
  #cached: (SessionSnapshot & { token: string }) | null = null;

  constructor(db: WritableDb) {
    this.s = {
      get: db.prepare<[], Row>(
        'SELECT user_id, role, token, expires_at, confirmed_at FROM session WHERE singleton = 1',
      ),
      put: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO session (singleton, user_id, role, token, expires_at, confirmed_at) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET user_id = excluded.user_id, role = excluded.role, token = excluded.token,
           expires_at = excluded.expires_at, confirmed_at = excluded.confirmed_at`,
      ),
      clear: db.prepare('DELETE FROM session'),
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>(
        'INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)',
      ),
    };
    const row = this.s.get.get();
    if (row)
      this.#cached = {
        userId: row.user_id,
        role: row.role,
        token: row.token,
        expiresAt: row.expires_at,
        confirmedAt: row.confirmed_at,
      };
  }

  save(snapshot: SessionSnapshot, token: string): void {
    this.s.put.run(snapshot.userId, snapshot.role, token, snapshot.expiresAt, snapshot.confirmedAt);
    this.#cached = { ...snapshot, token };
  }

  clear(): void {
    this.s.clear.run();
    this.#cached = null;
  }

  /** The snapshot, if it has not expired at `now`. */
  current(now: number): SessionSnapshot | null {
    const c = this.#cached;
    if (!c || c.expiresAt <= now) return null;
    return { userId: c.userId, role: c.role, expiresAt: c.expiresAt, confirmedAt: c.confirmedAt };
  }

  token(): string | null {
    return this.#cached?.token ?? null;
  }

  /** A stable id for this desktop, created once per profile (audit trail: "from which desktop"). */
  desktopId(generate: () => string): string {
    this.s.setMeta.run('desktop_id', generate());
    const row = this.s.meta.get('desktop_id');
    if (!row) throw new Error('desktop id missing after insert');
    return row.value;
  }
}
