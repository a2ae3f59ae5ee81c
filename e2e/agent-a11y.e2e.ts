import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { findPaymentTarget } from './pages/server-records';
import { seriousViolations } from './support/axe';
import { Stack, startDesk } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

const SCREENSHOTS = new URL('../docs/screenshots/', import.meta.url).pathname;

it('sign-in, the workspace with a customer, the delivery view and the pending panel have no serious axe violations; retry and discard work', async () => {
  const fresh = await startDesk(stack.server.url);
  stack.cleanups.push(() => fresh.stop());
  const signIn = await (await stack.browser.newContext()).newPage();
  await signIn.goto(fresh.url);
  await signIn.getByLabel('Access token').waitFor();
  expect(await seriousViolations(signIn)).toEqual([]);

  const { page } = await stack.desk('agent-1', 'agent');

  const agent = new AgentPage(page);
  const token = stack.server.token('agent-1', 'agent');
  const target = await findPaymentTarget(stack.server, token, '_decline_funds_');
  await agent.ready(target.customer.name);
  await agent.page.keyboard.press('Control+K');
  await agent.search.fill(target.customer.name.split(' ')[0] ?? '');
  await page.getByRole('option').first().waitFor();
  await agent.search.press('ArrowDown');
  await page.screenshot({ path: `${SCREENSHOTS}agent-search.png` });
  expect(await seriousViolations(page)).toEqual([]);

  await agent.find(target.customer.email, new RegExp(target.customer.name));
  await page.getByRole('heading', { name: target.customer.name }).waitFor();
  expect(await seriousViolations(page)).toEqual([]);

  await agent.openDelivery(target.deliveryTag);
  await page.getByRole('list', { name: 'Delivery progress' }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}agent-delivery.png`, fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);

  // A declined change lands in "Needs attention"; retry issues it again, discard clears it.
  await agent.changeMethodTo(target.next.last4);
  expect(await seriousViolations(page)).toEqual([]);
  await agent.submitChange();
  await expect.poll(() => agent.changeStatus(), { timeout: 60_000 }).toMatch(/Rejected|Failed/);
  await page.getByRole('button', { name: /^Pending & attention/ }).click();
  const attention = page.getByRole('list', { name: 'Needs attention' });
  await expect.poll(() => attention.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
  expect(await attention.textContent()).toContain('insufficient funds');
  await page.screenshot({ path: `${SCREENSHOTS}pending.png` });
  expect(await seriousViolations(page)).toEqual([]);

  await attention.getByRole('button', { name: /^Retry/ }).click();
  // The retry is a new command; the gateway declines it again, so one entry needs attention.
  await expect
    .poll(async () => (await attention.getByRole('listitem').allTextContents()).join('|'), {
      timeout: 60_000,
    })
    .toMatch(/^[^|]*(Rejected|Failed)[^|]*$/);
  await attention.getByRole('button', { name: /^Discard/ }).click();
  await expect
    .poll(() => page.getByText('Nothing needs attention.').count(), { timeout: 30_000 })
    .toBe(1);
}, 240_000);
