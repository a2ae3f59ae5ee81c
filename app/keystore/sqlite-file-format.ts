import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

export type SqliteFileFormat = 'missing' | 'empty' | 'plain' | 'encrypted';

/** What a file on disk is, from its first 16 bytes (SQLCipher files start with a random salt, not the SQLite header). */
export function sqliteFileFormat(path: string): SqliteFileFormat {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const header = Buffer.alloc(16);
    const n = readSync(fd, header, 0, 16, 0);
    if (n === 0) return 'empty';
    return header.toString('latin1') === 'SQLite format 3\0' ? 'plain' : 'encrypted';
  } finally {
    closeSync(fd);
  }
}

/** The replica file of a profile (app/core opens `<profile>/replica.sqlite`). */
export const profileReplicaPath = (profileDir: string): string =>
  join(profileDir, 'replica.sqlite');
