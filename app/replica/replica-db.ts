import type Database from 'better-sqlite3-multiple-ciphers';
import type { ReadableDb, WritableDb } from './db-handles';
import { openKeyed, ReplicaKeyError, sqliteFileFormat, type ReplicaKeying } from './replica-cipher';
import { encryptPlainReplica, removeSqliteFiles } from './replica-encryption';
import { REPLICA_MIGRATIONS, type ReplicaMigration } from './replica-migrations';
import { attachSearchIndex, attachSearchIndexReadOnly } from './search-index';
import { searchIndexPathFor } from './search-schema';

export type { ReadableDb, WritableDb } from './db-handles';

/**
 * Opens the operator profile's replica (creating it) as THE single writer.
 * WAL lets readers run beside the writer; synchronous=FULL makes every commit
 * (an outbox entry above all) durable against power loss before we report it.
 *
 * With a key, the replica and its search file are encrypted (SQLCipher 4): a
 * new replica is created encrypted; a plain one from before encryption is
 * encrypted in place first (replica-encryption.ts); a plain search file is
 * deleted and rebuilt. An encrypted replica opened with a wrong key, or
 * without one, throws ReplicaKeyError — it is never replaced by a new one.
 */
export function openWritableReplica(
  path: string,
  keying: ReplicaKeying,
  migrations: readonly ReplicaMigration[] = REPLICA_MIGRATIONS,
): WritableDb {
  const onDisk = path === ':memory:' ? 'missing' : sqliteFileFormat(path);
  if (keying !== 'plaintext' && path !== ':memory:') {
    const searchPath = searchIndexPathFor(path);
    if (onDisk === 'plain') encryptPlainReplica(path, searchPath, keying);
    // Derived data in plain text (a crash right after the migration's rename): rebuilt encrypted.
    if (sqliteFileFormat(searchPath) === 'plain') removeSqliteFiles(searchPath);
  }
  if (keying === 'plaintext' && onDisk === 'encrypted') {
    throw new ReplicaKeyError(`${path} is encrypted and was opened without its key.`);
  }
  const db = openKeyed(path, keying);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrateReplica(db, migrations);
  // The search index's own file (search-schema.ts), attached once migrated; it
  // takes the main file's key (ATTACH without KEY), so it is encrypted alike.
  if (migrations === REPLICA_MIGRATIONS) attachSearchIndex(db as WritableDb);
  return db as WritableDb;
}

/** A second, read-only connection (search, screens) that can never write. */
export function openReadableReplica(path: string, keying: ReplicaKeying): ReadableDb {
  const db = openKeyed(path, keying, { readonly: true, fileMustExist: true });
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
