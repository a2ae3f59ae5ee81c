import {
  closeSync,
  copyFileSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { ProfileKey } from '../keystore';
import { encryptWithKey, openKeyed, sqliteFileFormat } from './replica-cipher';

const fsyncPath = (path: string): void => {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** Removes a SQLite file with its WAL and shared-memory files. */
export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(`${path}${suffix}`, { force: true });
}

/** What must survive the migration unchanged: the operator's own unsent work above all. */
function fingerprint(path: string, keying: ProfileKey | 'plaintext'): string {
  const db = openKeyed(path, keying, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
          name: string;
        }[]
      ).map((t) => t.name),
    );
    const count = (table: string): number =>
      tables.has(table)
        ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
        : -1;
    return JSON.stringify({
      version: db.pragma('user_version', { simple: true }) as number,
      outbox: count('outbox'),
      yjs: count('yjs_local'),
      records: count('records'),
      session: count('session'),
    });
  } finally {
    db.close();
  }
}

/**
 * Encrypts an existing plain-text replica in place, once, so a profile from
 * before encryption keeps its queued commands, offline notes and session.
 *
 * 1. Checkpoint the WAL into the file and close it (the caller holds the
 *    profile lock: no other connection exists), so the file alone is the replica.
 * 2. Copy it to `<replica>.encrypting` and encrypt the copy with `PRAGMA rekey`
 *    (SQLite3MultipleCiphers encrypts a plain database this way; SQLCipher's
 *    `sqlcipher_export` is not in this build), in rollback-journal mode.
 * 3. Check the copy opens with the key and holds the same rows (outbox, Yjs
 *    log, records, session) and schema version; fsync it.
 * 4. Rename it over the replica (atomic) and fsync the folder.
 * 5. Delete the plain search file: it is derived, and rebuilt from `records`.
 *
 * A crash before step 4 leaves the plain replica as it was (the copy is thrown
 * away on the next try); after it, the replica is encrypted and only the plain
 * search file may be left, which `openWritableReplica` deletes.
 * Not done: freed disk blocks of the old plain file are not scrubbed (on an SSD
 * they cannot be from user space); full-disk encryption covers those.
 */
export function encryptPlainReplica(path: string, searchPath: string, key: ProfileKey): void {
  if (sqliteFileFormat(path) !== 'plain') throw new Error(`${path} is not a plain SQLite file`);
  const plain = openKeyed(path, 'plaintext');
  try {
    const [result] = plain.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (result && result.busy !== 0) throw new Error(`${path} is in use; cannot encrypt it now`);
  } finally {
    plain.close();
  }
  if (sizeOf(`${path}-wal`) > 0) throw new Error(`${path}-wal still holds commits; not encrypting`);
  const before = fingerprint(path, 'plaintext');

  const tmp = `${path}.encrypting`;
  removeSqliteFiles(tmp);
  copyFileSync(path, tmp);
  const copy = openKeyed(tmp, 'plaintext');
  try {
    copy.pragma('journal_mode = DELETE');
    encryptWithKey(copy, key);
  } finally {
    copy.close();
  }
  const after = fingerprint(tmp, key);
  if (after !== before) {
    removeSqliteFiles(tmp);
    throw new Error(
      `Encrypting ${path} changed its contents (${before} → ${after}); kept it as it was`,
    );
  }
  fsyncPath(tmp);
  renameSync(tmp, path);
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  fsyncPath(dirname(path));
  removeSqliteFiles(searchPath);
}
