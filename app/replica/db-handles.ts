import type Database from 'better-sqlite3-multiple-ciphers';

declare const readable: unique symbol;
declare const writable: unique symbol;

/**
 * Branded handles (as Signal Desktop does): a function that writes takes a
 * WritableDb, so passing the read-only search connection to it does not compile.
 * A WritableDb is also readable.
 */
export type ReadableDb = Database.Database & { readonly [readable]: true };
export type WritableDb = ReadableDb & { readonly [writable]: true };
