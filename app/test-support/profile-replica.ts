import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KEY_FILE, ProfileKey } from '../keystore';
import {
  openKeyed,
  openReadableReplica,
  removeSqliteFiles,
  searchIndexPathFor,
  type ReadableDb,
} from '../replica';

/** The profile key a core created next to `dbPath` (tests read the replica the way the core does). */
export function profileKeyOf(dbPath: string): ProfileKey {
  const key = ProfileKey.fromHex(readFileSync(join(dirname(dbPath), KEY_FILE), 'utf8'));
  if (!key) throw new Error(`no usable key next to ${dbPath}`);
  return key;
}

/** A read-only connection to a core's (encrypted) replica, opened with its profile key. */
export function openProfileReplica(dbPath: string): ReadableDb {
  return openReadableReplica(dbPath, profileKeyOf(dbPath));
}

/**
 * Turns a closed profile back into what a desk before encryption left: the
 * replica decrypted in place (`rekey` to no key), no key file, no search file.
 * Same schema and rows, so the migration is tested on the real thing.
 */
export function makeProfilePlain(dbPath: string): void {
  const db = openKeyed(dbPath, profileKeyOf(dbPath));
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma("rekey = ''");
  } finally {
    db.close();
  }
  rmSync(join(dirname(dbPath), KEY_FILE));
  removeSqliteFiles(searchIndexPathFor(dbPath));
}
