import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const KEY_BYTES = 32;

/**
 * The random per-profile key that encrypts the replica (256 bits, used raw by
 * SQLCipher, so opening a connection costs no key derivation). The bytes are
 * reachable only through `hex()`; printing, logging or JSON-encoding the object
 * shows nothing, so a stray `console.log(config)` cannot leak it.
 */
export class ProfileKey {
  readonly #hex: string;

  private constructor(hex: string) {
    this.#hex = hex;
  }

  static random(): ProfileKey {
    return new ProfileKey(randomBytes(KEY_BYTES).toString('hex'));
  }

  /** Parses stored key text; null unless it is exactly 64 hex digits. */
  static fromHex(text: string): ProfileKey | null {
    const hex = text.trim().toLowerCase();
    return /^[0-9a-f]{64}$/.test(hex) ? new ProfileKey(hex) : null;
  }

  /** The key as 64 hex digits: only for the SQLite key pragma and the key stores. */
  hex(): string {
    return this.#hex;
  }

  toString(): string {
    return '[ProfileKey]';
  }

  toJSON(): string {
    return '[ProfileKey]';
  }

  [inspect.custom](): string {
    return '[ProfileKey]';
  }
}

/** How a host keeps the profile key, in words an operator or an admin can check. */
export interface KeyProtection {
  /** 'os-keystore' (safeStorage with a real keyring), 'user-file' (0600 key file), 'obfuscated' (basic_text). */
  readonly level: 'os-keystore' | 'user-file' | 'obfuscated';
  readonly description: string;
}

/**
 * Where a host keeps the profile key. `load` returns null only when no key was
 * ever stored; a key that exists but cannot be read (permissions, another
 * user's file, undecryptable) throws a `ProfileKeyError` — never null, or the
 * caller would create a new key and the replica would look empty.
 */
export interface ProfileKeyStore {
  protection(): KeyProtection;
  load(): Promise<ProfileKey | null>;
  /** Stores a new random key; fails if one exists (never overwrites). */
  create(): Promise<ProfileKey>;
}

/** A key that exists but cannot be used: the desk must stop with this message, data untouched. */
export class ProfileKeyError extends Error {
  override readonly name = 'ProfileKeyError';
}
