/**
 * The shell's key-store logic with a stand-in for Electron's safeStorage (no
 * Electron binary on these machines): what it reports for each backend, that
 * it never makes up a key, and that a key it cannot decrypt is a clear error.
 * This does not prove safeStorage itself; see main/README.md.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafeStorageKeyStore, type SafeStorageLike } from './safe-storage-key.store';

const root = mkdtempSync(join(tmpdir(), 'fleetdesk-safestorage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Reversible, user-bound "encryption": enough to tell a foreign blob from ours. */
const standIn = (backend: string, user = 'me', rotate = false): SafeStorageLike => ({
  isAsyncEncryptionAvailable: () => Promise.resolve(true),
  encryptStringAsync: (s) => Promise.resolve(Buffer.from(`${user}:${s}`)),
  decryptStringAsync: (b) => {
    const [owner, text] = b.toString().split(':');
    return owner === user
      ? Promise.resolve({ shouldReEncrypt: rotate, result: text ?? '' })
      : Promise.reject(new Error('decrypt failed'));
  },
  getSelectedStorageBackend: () => backend,
});

describe('SafeStorageKeyStore', () => {
  it('says plainly when Linux has no keyring (basic_text) and names a real one', () => {
    const basic = new SafeStorageKeyStore(standIn('basic_text'), root, 'linux').protection();
    expect(basic.level).toBe('obfuscated');
    expect(basic.description).toMatch(/no OS keyring.*hard-coded password/);
    expect(new SafeStorageKeyStore(standIn('gnome_libsecret'), root, 'linux').protection()).toEqual(
      {
        level: 'os-keystore',
        description:
          'replica key encrypted by the OS keyring (safeStorage backend "gnome_libsecret")',
      },
    );
    expect(new SafeStorageKeyStore(standIn('x'), root, 'darwin').protection().level).toBe(
      'os-keystore',
    );
  });

  it('creates once (0600, encrypted), loads the same key, re-encrypts when asked, refuses a foreign blob', async () => {
    const dir = mkdtempSync(join(root, 'p-'));
    const store = new SafeStorageKeyStore(standIn('gnome_libsecret'), dir, 'linux');
    expect(await store.load()).toBeNull();
    const key = await store.create();
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(store.path, 'utf8')).toBe(`me:${key.hex()}`);
    await expect(store.create()).rejects.toThrow(/EEXIST/);
    const rotating = new SafeStorageKeyStore(standIn('gnome_libsecret', 'me', true), dir, 'linux');
    expect((await rotating.load())?.hex()).toBe(key.hex());
    const other = new SafeStorageKeyStore(standIn('gnome_libsecret', 'someone-else'), dir, 'linux');
    await expect(other.load()).rejects.toThrow(/cannot be decrypted by this user's OS key store/);
  });
});
