import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';

export type ServerDatabase = Database.Database;

export interface OpenOptions {
  /**
   * FULL fsyncs the WAL on every commit (survives power loss); NORMAL (default)
   * survives a process kill (SIGKILL) but may lose the last commits on power
   * loss, at a fraction of the latency. Both keep the file consistent.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

/**
 * Opens (creating if needed) the server's single SQLite file in WAL mode and
 * brings its schema up to date. Throws if the file is newer than this build.
 */
export function openServerDatabase(path: string, options: OpenOptions = {}): ServerDatabase {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, MIGRATIONS);
  return db;
}

export function migrate(db: ServerDatabase, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `Database schema v${current} is newer than this server (v${latest}); refusing to open.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
