import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyFileStore } from './key-file.store';
import { detectOsKeyring } from './keyring-probe';
import { ProfileKey, ProfileKeyError } from './profile-key';
import { resolveProfileKey } from './resolve-profile-key';

const root = mkdtempSync(join(tmpdir(), 'fleetdesk-keystore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): KeyFileStore =>
  new KeyFileStore(mkdtempSync(join(root, `p${String((n += 1))}-`)));

describe('ProfileKey', () => {
  it('never shows its bytes when printed, logged or serialised', () => {
    const key = ProfileKey.random();
    for (const shown of [String(key), JSON.stringify({ key }), inspect({ key })])
      expect(shown).not.toContain(key.hex());
    expect(key.hex()).toMatch(/^[0-9a-f]{64}$/);
    expect(ProfileKey.fromHex('zz')).toBeNull();
  });
});

describe('KeyFileStore', () => {
  it('creates a 0600 key once and reads the same key back; never overwrites', async () => {
    const store = fresh();
    expect(await store.load()).toBeNull();
    const key = await store.create();
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect((await store.load())?.hex()).toBe(key.hex());
    await expect(store.create()).rejects.toThrow(/EEXIST/);
    expect((await store.load())?.hex()).toBe(key.hex());
  });

  it('refuses a key file others can read, a damaged one, and one of another user', async () => {
    const store = fresh();
    await store.create();
    chmodSync(store.path, 0o640);
    await expect(store.load()).rejects.toThrow(ProfileKeyError);
    await expect(store.load()).rejects.toThrow(/readable by other users \(mode 640\)/);
    chmodSync(store.path, 0o600);
    const good = readFileSync(store.path, 'utf8');
    writeFileSync(store.path, 'not a key');
    await expect(store.load()).rejects.toThrow(/damaged/);
    writeFileSync(store.path, good);
    expect(await store.load()).not.toBeNull();
  });

  it('says which protection it gives and whether an OS keyring was found', () => {
    const none = new KeyFileStore(root, { PATH: '' }).protection();
    expect(none.level).toBe('user-file');
    expect(none.description).toMatch(/mode 0600.*no OS keyring found \(no D-Bus session bus/);
    expect(
      detectOsKeyring({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x', PATH: '' }, 'linux'),
    ).toEqual({
      found: false,
      detail: 'D-Bus session found, but no secret-tool (libsecret) on PATH',
    });
    expect(detectOsKeyring({}, 'darwin').found).toBe(true);
  });
});

describe('resolveProfileKey', () => {
  it('creates a key for a new or plain profile, never for an encrypted one without its key', async () => {
    expect(await resolveProfileKey(fresh(), 'missing')).toBeInstanceOf(ProfileKey);
    expect(await resolveProfileKey(fresh(), 'plain')).toBeInstanceOf(ProfileKey);
    const store = fresh();
    await expect(resolveProfileKey(store, 'encrypted')).rejects.toThrow(/key is missing/);
    expect(await store.load()).toBeNull();
    const key = await store.create();
    expect((await resolveProfileKey(store, 'encrypted')).hex()).toBe(key.hex());
  });
});
