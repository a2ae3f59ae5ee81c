/**
 * Issue 17, items 1 and 2: signing out and in again keeps the desk syncing (and says so
 * truthfully), a role switch starts the right loops, and every tab of the desk follows.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { DeskPage } from './pages/desk-page';
import { findPaymentTarget } from './pages/server-records';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  // No simulator: nothing changes on the server, so the feed's long poll stays open (20 s).
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

it('signed out and in twice while a long poll is open, the desk syncs again: a cancel reaches the server within seconds and the status bar says pending until it has', async () => {
  const { page } = await stack.desk('agent-1', 'agent');
  const agent = new AgentPage(page);
  const desk = new DeskPage(page);
  const token = stack.server.token('agent-1', 'agent');
  const target = await findPaymentTarget(stack.server, token, '_ok_', [], ['created', 'scheduled']);
  await agent.ready(target.customer.name);
  await page.waitForTimeout(1000); // the live feed is now waiting in its long poll

  for (let round = 0; round < 2; round += 1) {
    await desk.signOut();
    // Signed out: the bar must not claim the desk is syncing.
    expect(await desk.signedInAs()).toBe('');
    await desk.signIn(token);
  }
  await expect.poll(() => desk.statusText(), { timeout: 10_000 }).toMatch(/^Online/);

  await agent.find(target.customer.email, new RegExp(target.customer.name));
  await agent.openDelivery(target.deliveryTag);
  await page.getByRole('button', { name: 'Cancel delivery' }).click();
  await desk.recordStatusBar();
  await page.getByRole('button', { name: 'Yes, cancel the delivery' }).click();
  const progress = page.getByRole('group', { name: 'Cancel delivery', exact: true });
  await progress.waitFor();
  const key = await progress.getAttribute('data-idempotency-key');
  expect(key).toBeTruthy();
  const started = Date.now();
  await expect
    .poll(async () => (await stack.server.api(`/api/commands/${String(key)}`, { token })).status, {
      timeout: 5_000,
      interval: 100,
    })
    .toBe(200);
  expect(Date.now() - started).toBeLessThan(5_000);
  await expect
    .poll(() => progress.getByRole('status').textContent(), { timeout: 10_000 })
    .toContain('Done');
  await expect.poll(() => desk.statusText()).toMatch(/^Online.*All changes sent/);
  // Truthful throughout: from the click on, the bar said "1 pending" before "All changes sent".
  const log = await desk.statusLog();
  const firstPending = log.findIndex((t) => t.includes('1 pending'));
  const firstSent = log.slice(1).findIndex((t) => t.includes('All changes sent')) + 1;
  expect(firstPending, log.join('\n')).toBeGreaterThan(0);
  expect(firstPending, log.join('\n')).toBeLessThan(firstSent);
}, 180_000);

it('another tab of the same desk follows a sign-out and a new operator', async () => {
  const { desk: host, page } = await stack.desk('agent-2', 'agent');
  const first = new DeskPage(page);
  await expect.poll(() => first.signedInAs(), { timeout: 15_000 }).toContain('agent-2');
  const other = await page.context().newPage();
  await other.goto(host.url);
  const second = new DeskPage(other);
  await expect.poll(() => second.signedInAs(), { timeout: 15_000 }).toContain('agent-2 (agent)');

  await first.signOut();
  await expect.poll(() => second.signInForm().count(), { timeout: 5_000 }).toBe(1);
  expect(await second.signedInAs()).toBe('');

  await first.signIn(stack.server.token('sup-9', 'supervisor'));
  await expect.poll(() => second.signedInAs(), { timeout: 5_000 }).toContain('sup-9 (supervisor)');
}, 120_000);

it('a desk switched from agent to fleet manager connects telemetry and shows the drones', async () => {
  const { page } = await stack.desk('agent-3', 'agent');
  const desk = new DeskPage(page);
  await expect.poll(() => desk.statusText(), { timeout: 60_000 }).toMatch(/^Online/);
  await desk.signOut();
  await desk.signIn(stack.server.token('fm-3', 'fleet-manager'));
  await page.getByRole('main', { name: 'Fleet map' }).waitFor({ timeout: 30_000 });
  const list = page.getByRole('region', { name: /Drones \(/ });
  // The agent's replica had no drones (the feed is filtered by role): a fresh snapshot brings them.
  await expect.poll(() => list.getByRole('row').count(), { timeout: 30_000 }).toBeGreaterThan(1);
  const offline = page.getByText(/Telemetry offline/);
  await expect.poll(() => offline.count(), { timeout: 15_000 }).toBe(0);
  await expect.poll(() => desk.statusText(), { timeout: 30_000 }).toMatch(/^Online/);

  // The walkthrough's round (fleet manager → supervisor → agent): each sign-in reads Online. The
  // fleet manager's dispatch document once stayed open and made the agent's bar read "Degraded".
  for (const [user, role] of [
    ['sup-3', 'supervisor'],
    ['agent-3', 'agent'],
  ] as const) {
    await desk.signOut();
    await desk.signIn(stack.server.token(user, role));
    await expect.poll(() => desk.statusText(), { timeout: 30_000 }).toMatch(/^Online/);
  }
  await page.waitForTimeout(3000); // documents reconnect in the background: still Online after
  expect(await desk.statusText()).toMatch(/^Online/);
}, 180_000);
