import Database from 'better-sqlite3';
import type { ReadableDb, WritableDb } from './db-handles';
import { REPLICA_MIGRATIONS, type ReplicaMigration } from './replica-migrations';
import { attachSearchIndex, attachSearchIndexReadOnly } from './search-index';

export type { ReadableDb, WritableDb } from './db-handles';

/**
 * Opens the operator profile's replica (creating it) as THE single writer.
 * WAL lets readers run beside the writer; synchronous=FULL makes every commit
 * (an outbox entry above all) durable against power loss before we report it.
 */
export function openWritableReplica(
  path: string,
  migrations: readonly ReplicaMigration[] = REPLICA_MIGRATIONS,
): WritableDb {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateReplica(db, migrations);
  // The search index's own file (search-schema.ts), attached once migrated.
  if (migrations === REPLICA_MIGRATIONS) attachSearchIndex(db as WritableDb);
  return db as WritableDb;
}

/** A second, read-only connection (search, screens) that can never write. */
export function openReadableReplica(path: string): ReadableDb {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  attachSearchIndexReadOnly(db as ReadableDb);
  return db as ReadableDb;
}

export function migrateReplica(
  db: Database.Database,
  migrations: readonly ReplicaMigration[],
): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `Replica schema v${current} is newer than this app (v${latest}); update Fleetdesk.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
