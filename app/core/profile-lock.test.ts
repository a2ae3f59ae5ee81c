import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockProfile, ProfileInUseError } from './profile-lock';

const root = mkdtempSync(join(tmpdir(), 'fleetdesk-profile-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const profile = (): string => {
  const dir = join(root, `p${(n += 1)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('lockProfile', () => {
  it('refuses a second core on the same profile, with who holds it, until the first releases', () => {
    const dir = profile();
    const first = lockProfile(dir);
    expect(() => lockProfile(dir)).toThrow(ProfileInUseError);
    expect(() => lockProfile(dir)).toThrow(new RegExp(`process ${process.pid}`));
    first.release();
    expect(existsSync(join(dir, 'core.lock'))).toBe(false);
    lockProfile(dir).release();
  });

  it('takes over a lock left by a process that is gone (crash, kill -9)', () => {
    const dir = profile();
    // A pid that certainly existed and exited: a finished child.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, 'core.lock'), JSON.stringify({ pid: gone }));
    const lock = lockProfile(dir);
    expect(() => lockProfile(dir)).toThrow(ProfileInUseError);
    lock.release();
  });

  it('takes over an unreadable lock file (half-written when the machine lost power)', () => {
    const dir = profile();
    writeFileSync(join(dir, 'core.lock'), '{"pi');
    lockProfile(dir).release();
  });

  it('does not remove a lock another process took after this one was released', () => {
    const dir = profile();
    const lock = lockProfile(dir);
    lock.release();
    writeFileSync(join(dir, 'core.lock'), JSON.stringify({ pid: 1 }));
    lock.release(); // a second release must not delete someone else's lock
    expect(existsSync(join(dir, 'core.lock'))).toBe(true);
  });
});
