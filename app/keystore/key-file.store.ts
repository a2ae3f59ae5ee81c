import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { detectOsKeyring } from './keyring-probe';
import {
  ProfileKey,
  ProfileKeyError,
  type KeyProtection,
  type ProfileKeyStore,
} from './profile-key';

/** Name of the key file inside the profile directory. */
export const KEY_FILE = 'replica.key';

/**
 * The browser host's key store: the key in `<profile>/replica.key`, created
 * 0600 and refused unless it still is — readable by nobody but its owner, and
 * owned by the user running the desk. This guards against other accounts on
 * the machine and against a profile copied to another account; it does not
 * guard against someone who has the disk and this user's files (the key sits
 * next to the data). The OS keyring would; see `detectOsKeyring`.
 */
export class KeyFileStore implements ProfileKeyStore {
  readonly path: string;

  constructor(
    profileDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.path = join(profileDir, KEY_FILE);
  }

  protection(): KeyProtection {
    const keyring = detectOsKeyring(this.env);
    return {
      level: 'user-file',
      description:
        `replica key in ${this.path} (mode 0600, checked on every start); ` +
        (keyring.found
          ? `an OS keyring was found (${keyring.detail}) but this host does not use it yet`
          : `no OS keyring found (${keyring.detail})`),
    };
  }

  load(): Promise<ProfileKey | null> {
    try {
      return Promise.resolve(this.#loadNow());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #loadNow(): ProfileKey | null {
    let stat;
    try {
      stat = statSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if (!stat.isFile()) throw new ProfileKeyError(`${this.path} is not a regular file.`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new ProfileKeyError(
        `The replica key ${this.path} belongs to another user account (uid ${String(stat.uid)}); ` +
          'a profile copied from another account cannot be opened. Sign in on a fresh profile instead.',
      );
    }
    if ((stat.mode & 0o077) !== 0) {
      throw new ProfileKeyError(
        `The replica key ${this.path} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}). ` +
          `Fleetdesk will not use a key others could have copied: run "chmod 600 ${this.path}" if you trust ` +
          'this computer, or ask your administrator to revoke this desk.',
      );
    }
    const key = ProfileKey.fromHex(readFileSync(this.path, 'utf8'));
    if (!key) throw new ProfileKeyError(`The replica key ${this.path} is damaged.`);
    return key;
  }

  create(): Promise<ProfileKey> {
    try {
      return Promise.resolve(this.#createNow());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #createNow(): ProfileKey {
    const key = ProfileKey.random();
    // 'wx': never overwrite a key (its replica would be lost); fsync file and folder so a
    // power cut cannot leave an encrypted replica whose key never reached the disk.
    const fd = openSync(this.path, 'wx', 0o600);
    try {
      writeSync(fd, `${key.hex()}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return key;
  }
}
