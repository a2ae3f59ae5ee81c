import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileInUseError } from './profile-lock';
import { startCore } from './start-core';

const profileDir = mkdtempSync(join(tmpdir(), 'fleetdesk-core-lock-'));
afterAll(() => rmSync(profileDir, { recursive: true, force: true }));

// Nothing listens here: the cores stay offline, which is all this test needs.
const config = { syncServerUrl: 'http://127.0.0.1:9', profileDir, collab: false };

describe('startCore on a profile that is already open', () => {
  it('refuses the second core with a clear error, and opens once the first has closed', async () => {
    const first = await startCore(config);
    await expect(startCore(config)).rejects.toThrow(ProfileInUseError);
    await expect(startCore(config)).rejects.toThrow(/already open in another Fleetdesk window/);
    // The refused start touched nothing: the first core still answers.
    expect((await first.call('session.get', {})).ok).toBe(true);
    await first.close();
    const second = await startCore(config);
    await second.close();
  });
});
