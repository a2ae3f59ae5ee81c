import { afterAll, beforeAll, expect, it } from 'vitest';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

it('an agent signs in through the browser host and sees the status bar', async () => {
  const { page } = await stack.desk('agent-1', 'agent');
  await expect
    .poll(async () => page.getByRole('status', { name: 'Sync status' }).textContent(), {
      timeout: 30_000,
    })
    .toMatch(/Online|Degraded/);
  await expect
    .poll(async () => page.getByRole('navigation', { name: 'Main' }).textContent())
    .toContain('Customers & deliveries');
});
