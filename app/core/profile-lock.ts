import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Raised when another live core already serves this operator profile. */
export class ProfileInUseError extends Error {
  constructor(
    readonly profileDir: string,
    readonly holderPid: number,
  ) {
    super(
      `The operator profile ${profileDir} is already open in another Fleetdesk window (process ${holderPid}). ` +
        'Close it there, or start this one with another profile directory.',
    );
    this.name = 'ProfileInUseError';
  }
}

export interface ProfileLock {
  release(): void;
}

const LOCK_FILE = 'core.lock';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still a live holder.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const holderOf = (path: string): number | null => {
  try {
    const pid = Number((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // unreadable or half-written: nobody can be relying on it
  }
};

/**
 * One core per operator profile. Two cores on the same replica would each run a
 * feed consumer and an outbox sender over the same file: the server's
 * idempotency keys keep commands from applying twice, but both would send, both
 * would report, and their status would contradict each other. The Electron shell
 * has a single-instance lock; this covers the browser host, tools and a second
 * shell started with the same profile directory.
 *
 * A lock file holding the pid, created exclusively. A lock left by a process
 * that is gone (a crash, `kill -9`) is taken over. Same-process reuse counts as
 * in use too: a core must be closed before the next one opens the profile.
 * (Two processes taking over the same stale lock in the same instant could both
 * win; starting two windows within microseconds after a crash is not a case
 * worth an OS-level lock here.)
 */
export function lockProfile(profileDir: string): ProfileLock {
  const path = join(profileDir, LOCK_FILE);
  const body = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, body, { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          if (holderOf(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(path);
      if (holder !== null && isAlive(holder)) throw new ProfileInUseError(profileDir, holder);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock the operator profile ${profileDir}; try again.`);
}
