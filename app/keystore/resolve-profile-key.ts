import type { SqliteFileFormat } from './sqlite-file-format';
import { ProfileKeyError, type ProfileKey, type ProfileKeyStore } from './profile-key';

/**
 * The key for a profile whose replica file is in `replica` state. A stored key
 * is always used (a wrong one fails when the replica opens, data untouched).
 * A new key is created only when no encrypted replica exists — a new profile,
 * or a plain one about to be encrypted. An encrypted replica without its key
 * is a clear error: creating a new key there would present an empty desk and
 * orphan the operator's queued work.
 */
export async function resolveProfileKey(
  store: ProfileKeyStore,
  replica: SqliteFileFormat,
): Promise<ProfileKey> {
  const key = await store.load();
  if (key) return key;
  if (replica === 'encrypted') {
    throw new ProfileKeyError(
      "This profile's replica is encrypted, but its key is missing " +
        `(${store.protection().description}). Nothing was deleted: restore the key, or ask ` +
        'your administrator to revoke this desk and sign in on a fresh profile.',
    );
  }
  return store.create();
}
