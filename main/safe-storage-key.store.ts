import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import {
  ProfileKey,
  ProfileKeyError,
  type KeyProtection,
  type ProfileKeyStore,
} from '../app/keystore';

/** What this store needs of Electron's `safeStorage` (structural, so its logic is unit-tested in plain Node). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>;
  /** Linux only. */
  getSelectedStorageBackend(): string;
}

/** The key, encrypted by safeStorage, inside the profile. */
export const SAFE_STORAGE_KEY_FILE = 'replica.key.safestorage';

function writeDurably(path: string, data: Buffer, flag: 'wx' | 'w'): void {
  const fd = openSync(path, flag, 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The Electron shell's key store: the profile key encrypted with Electron's
 * safeStorage (Keychain on macOS, DPAPI on Windows, the Secret Service or
 * KWallet on Linux), with the asynchronous API only (the synchronous one is
 * removed in Electron 46). The encrypted blob sits in the profile (0600).
 *
 * On Linux without a keyring safeStorage falls back to `basic_text`: a
 * password hard-coded in Chromium, i.e. obfuscation that anyone with the file
 * can undo. We still use it (the desk must work), but `protection()` says so,
 * and the shell prints it — never presented as keyring protection.
 *
 * Runs in the main process only (safeStorage is not available in a utility
 * process). Never ran here: there is no Electron binary on these machines;
 * it is type-checked against electron.d.ts and its logic unit-tested with a
 * stand-in for safeStorage.
 */
export class SafeStorageKeyStore implements ProfileKeyStore {
  readonly path: string;

  constructor(
    private readonly safeStorage: SafeStorageLike,
    profileDir: string,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.path = join(profileDir, SAFE_STORAGE_KEY_FILE);
  }

  /** Call after `app` is ready: before that Linux reports the backend as 'unknown'. */
  protection(): KeyProtection {
    if (this.platform !== 'linux') {
      const os = this.platform === 'darwin' ? 'the macOS Keychain' : 'Windows DPAPI';
      return { level: 'os-keystore', description: `replica key encrypted by ${os} (safeStorage)` };
    }
    const backend = this.safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') {
      return {
        level: 'obfuscated',
        description:
          `no OS keyring (safeStorage backend "${backend}"): the replica key is only obfuscated with ` +
          "Chromium's hard-coded password — anyone with this user's files can read it",
      };
    }
    return {
      level: 'os-keystore',
      description: `replica key encrypted by the OS keyring (safeStorage backend "${backend}")`,
    };
  }

  async load(): Promise<ProfileKey | null> {
    let blob: Buffer;
    try {
      blob = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    await this.#available();
    let decrypted: { shouldReEncrypt: boolean; result: string };
    try {
      decrypted = await this.safeStorage.decryptStringAsync(blob);
    } catch {
      // Another OS user, another machine, or a reset keyring: the message must not include the blob.
      throw new ProfileKeyError(
        `The replica key in ${this.path} cannot be decrypted by this user's OS key store ` +
          '(copied from another account or computer, or the keyring was reset). Nothing was deleted.',
      );
    }
    const key = ProfileKey.fromHex(decrypted.result);
    if (!key) throw new ProfileKeyError(`The replica key in ${this.path} is damaged.`);
    if (decrypted.shouldReEncrypt) {
      // The OS rotated its key: store the blob anew (write aside, then rename: never a torn key file).
      writeDurably(`${this.path}.new`, await this.safeStorage.encryptStringAsync(key.hex()), 'w');
      renameSync(`${this.path}.new`, this.path);
    }
    return key;
  }

  async create(): Promise<ProfileKey> {
    await this.#available();
    const key = ProfileKey.random();
    mkdirSync(dirname(this.path), { recursive: true });
    writeDurably(this.path, await this.safeStorage.encryptStringAsync(key.hex()), 'wx');
    return key;
  }

  async #available(): Promise<void> {
    if (!(await this.safeStorage.isAsyncEncryptionAvailable())) {
      throw new ProfileKeyError(
        'The OS key store (Electron safeStorage) is not available, so the replica key cannot be read or kept.',
      );
    }
  }
}
