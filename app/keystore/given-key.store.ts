import {
  ProfileKeyError,
  type KeyProtection,
  type ProfileKey,
  type ProfileKeyStore,
} from './profile-key';

/**
 * A key resolved by someone else and handed over: the Electron shell resolves
 * the key with safeStorage (main process only) and sends it to the core's
 * utility process, which opens the replica with it. Creating a key is the
 * shell's decision, never the core's.
 */
export function givenKeyStore(key: ProfileKey, protection: KeyProtection): ProfileKeyStore {
  return {
    protection: () => protection,
    load: () => Promise.resolve(key),
    create: () =>
      Promise.reject(
        new ProfileKeyError('The shell resolves the key; the core cannot create one.'),
      ),
  };
}
