/**
 * Issue 17, item 3: what only this desk believes (a queued command's optimistic overlay) reads
 * as pending everywhere it shows, until the server's word arrives.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentPage } from './pages/agent-page';
import { findPaymentTarget, type PaymentTarget } from './pages/server-records';
import { Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start();
});
afterAll(async () => {
  await stack.close();
});

async function cancel(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Cancel delivery' }).click();
  await page.getByRole('button', { name: 'Yes, cancel the delivery' }).click();
}

/** The definition (dd) after the term (dt) `term` inside the fact list `list`. */
async function fact(page: Page, list: string, term: string): Promise<string> {
  return page.getByLabel(list, { exact: true }).evaluate((dl, t) => {
    for (const dt of Array.from(dl.querySelectorAll('dt')))
      if (dt.textContent === t) return dt.nextElementSibling?.textContent ?? '';
    return '';
  }, term);
}

let online: PaymentTarget;

it('a cancel sent at once shows the steps it really took: saved, sent, done — never "Queued"', async () => {
  const { page } = await stack.desk('agent-1', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-1', 'agent');
  online = await findPaymentTarget(stack.server, token, '_ok_', [], ['created', 'scheduled']);
  await agent.ready(online.customer.name);
  await agent.find(online.customer.email, new RegExp(online.customer.name));
  await agent.openDelivery(online.deliveryTag);
  await cancel(page);
  const progress = page.getByRole('group', { name: 'Cancel delivery', exact: true });
  await expect
    .poll(() => progress.getByRole('status').textContent(), { timeout: 30_000 })
    .toContain('Done');
  const chips = await progress
    .getByRole('list', { name: 'Cancel delivery steps' })
    .getByRole('listitem')
    .allTextContents();
  expect(chips).toEqual(['Saved on this desk (done)', 'Sent to the server (done)', 'Done']);
  expect(chips.join(' ')).not.toMatch(/Queued/);
}, 120_000);

it('an offline cancel reads as pending everywhere it shows, and as cancelled only once the server confirms', async () => {
  const { page } = await stack.desk('agent-2', 'agent');
  const agent = new AgentPage(page);
  const token = stack.server.token('agent-2', 'agent');
  const target = await findPaymentTarget(
    stack.server,
    token,
    '_ok_',
    [online.payment.id],
    ['created', 'scheduled'],
  );
  await agent.ready(target.customer.name);
  await agent.find(target.customer.email, new RegExp(target.customer.name));
  await agent.openDelivery(target.deliveryTag);
  await stack.stopServer();
  await cancel(page);
  const progress = page.getByRole('group', { name: 'Cancel delivery', exact: true });
  await expect
    .poll(() => progress.getByRole('status').textContent(), { timeout: 30_000 })
    .toContain('Queued');

  const pending = 'Cancel pending — not yet confirmed';
  // The delivery's facts, its timeline, and the customer's deliveries table.
  await expect.poll(() => fact(page, 'Delivery details', 'Stage')).toBe(pending);
  const timeline = page.getByRole('list', { name: 'Delivery progress' });
  expect(await timeline.textContent()).toContain(pending);
  expect(await timeline.textContent()).not.toContain('Cancelled');
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('button', { name: `Open delivery ${target.deliveryTag}` }) });
  expect(await row.textContent()).toContain(pending);
  expect(await row.textContent()).not.toMatch(/Cancelled|Released/);
  // The payment card: still authorized, nothing promised.
  expect(await fact(page, 'Payment details', 'Status')).toMatch(/^Authorized/);
  const locked = (await page.locator('#payment-locked').textContent()) ?? '';
  expect(locked).toContain('pending — not yet confirmed');
  expect(locked).not.toMatch(/nothing will be charged|is cancelled/);
  await page.screenshot({
    path: new URL('../docs/screenshots/agent-cancel-pending.png', import.meta.url).pathname,
  });

  await stack.restartServer();
  await expect
    .poll(() => progress.getByRole('status').textContent(), { timeout: 90_000 })
    .toContain('Done');
  await expect
    .poll(() => fact(page, 'Delivery details', 'Stage'), { timeout: 30_000 })
    .toBe('Cancelled');
  await expect
    .poll(async () => (await page.locator('#payment-locked').textContent()) ?? '', {
      timeout: 30_000,
    })
    .toMatch(/cancelled.*nothing will be charged/);
}, 240_000);
