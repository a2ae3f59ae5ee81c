import Database from 'better-sqlite3-multiple-ciphers';
import type { ProfileKey } from '../keystore';

export { sqliteFileFormat } from '../keystore';

/**
 * How a replica file is opened: with the profile's key (every operator
 * profile), or explicitly in plain text (unit tests of other concerns, the
 * benchmark's baseline). There is no default, so no caller can forget the key.
 */
export type ReplicaKeying = ProfileKey | 'plaintext';

/**
 * SQLCipher 4 format (`legacy = 4`: AES-256-CBC, HMAC-SHA512 per page), so the
 * files open with stock SQLCipher tools too. The key is raw (`x'…'`): it is
 * already 256 random bits, so PBKDF2's 256,000 rounds would only slow every
 * connection's open (core, reader, two worker threads) without adding strength.
 * Order matters: cipher and legacy before the key.
 */
export function keyPragmas(keying: ReplicaKeying): readonly string[] {
  if (keying === 'plaintext') return [];
  return [...CIPHER_PRAGMAS, `key = "x'${keying.hex()}'"`];
}

const CIPHER_PRAGMAS = [`cipher = 'sqlcipher'`, 'legacy = 4'];

/** Encrypts a plain database open on `db` with `key` (used once, by the migration). */
export function encryptWithKey(db: Database.Database, key: ProfileKey): void {
  for (const pragma of CIPHER_PRAGMAS) db.pragma(pragma);
  // On a plain database `rekey` encrypts every page (vacuuming to make room for each page's HMAC).
  db.pragma(`rekey = "x'${key.hex()}'"`);
}

/** The replica cannot be opened with the key it was given. Data untouched. */
export class ReplicaKeyError extends Error {
  override readonly name = 'ReplicaKeyError';
}

const connectionKeys = new WeakMap<Database.Database, ReplicaKeying>();

/** The keying a connection was opened with, so helper threads open the same files the same way. */
export function keyingOf(db: Database.Database): ReplicaKeying {
  return connectionKeys.get(db) ?? 'plaintext';
}

/**
 * Opens one connection with the keying applied and proves the key right by
 * reading page 1 now: a wrong key fails here, with a clear error, instead of
 * later in the middle of a sync (or, worse, as an "empty" replica).
 */
export function openKeyed(
  path: string,
  keying: ReplicaKeying,
  options: Database.Options = {},
): Database.Database {
  const db = new Database(path, options);
  try {
    for (const pragma of keyPragmas(keying)) db.pragma(pragma);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new ReplicaKeyError(
        keying === 'plaintext'
          ? `${path} is encrypted and was opened without its key.`
          : `${path} cannot be opened with this profile's key: the key is wrong (another ` +
              "profile's or another user's), or the file is not a Fleetdesk replica. Nothing was changed.",
      );
    }
    throw error;
  }
  connectionKeys.set(db, keying);
  return db;
}
