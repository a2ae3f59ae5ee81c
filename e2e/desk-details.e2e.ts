/**
 * Issue 17, item 7: the smaller things a newcomer trips over — a capped search says so, stages
 * are spelt one way, tags and the drone table are not cut, the pending link counts, and the
 * sign-in page says where a token comes from.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { findPaymentTarget } from './pages/server-records';
import { launchChromium, startDesk, Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

it('the sign-in page says where an access token comes from', async () => {
  const desk = await startDesk(stack.server.url);
  stack.cleanups.push(() => desk.stop());
  const browser = await launchChromium();
  stack.cleanups.push(() => browser.close());
  const page = await browser.newPage();
  await page.goto(desk.url);
  const token = page.getByLabel('Access token');
  await token.waitFor();
  const described = await token.evaluate(
    (el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '',
  );
  expect(described).toMatch(/npm start.*prints three demo tokens/);
  expect(described).toMatch(/npm run sync-server -- token/);
}, 60_000);

it('search says when it lists only the first 20, stages read as everywhere else, and the pending link counts', async () => {
  const { page } = await stack.desk('agent-1', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-1', 'agent');
  const target = await findPaymentTarget(stack.server, token, '_ok_', [], ['created', 'scheduled']);
  await agent.ready(target.customer.name);

  await page.keyboard.press('Control+K');
  await agent.search.fill('PKG');
  await expect.poll(() => page.getByRole('option').count(), { timeout: 15_000 }).toBe(20);
  await expect
    .poll(() => page.getByText(/^First 20 of/).textContent())
    .toMatch(/^First 20 of (\d{2,}|more than 99) results/);
  const options = await page.getByRole('option').allTextContents();
  for (const o of options)
    expect(o).toMatch(
      /· (Created|Scheduled|En route to pickup|Picked up|Headed to drop-off|Completed|Cancelled|Failed)$/,
    );
  await agent.search.fill('');

  // A parcel tag in the customer's deliveries table stays on one line.
  await agent.find(target.customer.email, new RegExp(target.customer.name));
  const tagButton = page.getByRole('button', { name: `Open delivery ${target.deliveryTag}` });
  const lines = await tagButton.evaluate((el) => el.getClientRects().length);
  expect(lines).toBe(1);

  const nav = page.getByRole('navigation', { name: 'Main' });
  expect(await nav.getByRole('button', { name: /^Pending & attention/ }).textContent()).toBe(
    'Pending & attention',
  );
  await agent.openDelivery(target.deliveryTag);
  await stack.stopServer();
  await page.getByRole('button', { name: 'Cancel delivery' }).click();
  await page.getByRole('button', { name: 'Yes, cancel the delivery' }).click();
  await expect
    .poll(() => nav.getByRole('button', { name: /^Pending & attention/ }).textContent(), {
      timeout: 15_000,
    })
    .toBe('Pending & attention (1 pending)');
  await stack.restartServer();
  await expect
    .poll(() => nav.getByRole('button', { name: /^Pending & attention/ }).textContent(), {
      timeout: 60_000,
    })
    .toBe('Pending & attention');
}, 180_000);

it("the drone table's delivery column is not cut off", async () => {
  const { page } = await stack.desk('fm-1', 'fleet-manager');
  const list = page.getByRole('region', { name: /Drones \(/ });
  await expect.poll(() => list.getByRole('row').count(), { timeout: 60_000 }).toBeGreaterThan(1);
  const assigned = list.getByRole('row').filter({ hasText: /del-\d+/ });
  await expect.poll(() => assigned.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  const fits = await list.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
  expect(fits).toBe(true);
  await page.screenshot({
    path: new URL('../docs/screenshots/fleet-drone-table.png', import.meta.url).pathname,
  });
}, 120_000);
