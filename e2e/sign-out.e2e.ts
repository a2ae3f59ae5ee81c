import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

it('signing out offers to keep or remove the data; removing it leaves an empty replica under a new key, and the sign-in page says how data is protected', async () => {
  const { desk, page } = await stack.desk('agent-1', 'agent');
  await expect
    .poll(async () => page.getByRole('status', { name: 'Sync status' }).textContent(), {
      timeout: 30_000,
    })
    .toMatch(/Online/);
  const keyFile = join(desk.profileDir, 'replica.key');
  const oldKey = readFileSync(keyFile, 'utf8');

  await page.getByRole('button', { name: 'Sign out' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out' });
  await dialog.getByRole('button', { name: 'Keep data for offline use' }).waitFor();
  await dialog.getByRole('button', { name: 'Remove data from this computer' }).click();

  await page.getByLabel('Access token').waitFor();
  await expect
    .poll(async () => page.getByText(/Data on this computer:/).textContent())
    .toMatch(/replica encrypted \(SQLCipher 4\).*mode 0600.*no OS keyring found/);
  // The sign-in page shows as soon as the session ends (session.changed), while the desk is
  // still removing the data and creating the new key: wait for the new key.
  await expect
    .poll(() => existsSync(keyFile) && readFileSync(keyFile, 'utf8') !== oldKey, {
      timeout: 15_000,
    })
    .toBe(true);

  // Signing in again replicates afresh into the new, empty replica.
  await page.getByLabel('Access token').fill(stack.server.token('agent-1', 'agent'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(async () => page.getByRole('status', { name: 'Sync status' }).textContent(), {
      timeout: 30_000,
    })
    .toMatch(/Online/);
});
